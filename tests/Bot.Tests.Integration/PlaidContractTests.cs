using System.Net;
using System.Text;
using Bot.Finance.Plaid;
using Bot.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Bot.Tests.Integration;

/// <summary>Prism serving Plaid's own OpenAPI document (shared/conformance/plaid), started once for the class.</summary>
public sealed class PlaidPrismFixture : IAsyncLifetime
{
    public static string Spec => Path.Combine(RepoPaths.Conformance, "plaid", "2020-09-14.yml");

    public PrismServer Prism { get; private set; } = null!;

    public async Task InitializeAsync() => Prism = await PrismServer.StartAsync(Spec);

    public async Task DisposeAsync() => await Prism.DisposeAsync();
}

/// <summary>One Prism for Plaid shared by the classes that need it (it takes a while to load Plaid's 3 MB document).</summary>
[CollectionDefinition(Name)]
public sealed class PlaidPrismCollection : ICollectionFixture<PlaidPrismFixture>
{
    public const string Name = "Plaid Prism";
}

/// <summary>Every request the Plaid client sends passes Plaid's schema, and the client parses Plaid's example answers.</summary>
[Collection(PlaidPrismCollection.Name)]
public class PlaidContractTests(PlaidPrismFixture fixture)
{
    private readonly ContractRecorder recorder = new(new HttpClientHandler());

    private PlaidClient Client() => new(
        new HttpClient(recorder) { BaseAddress = fixture.Prism.BaseUrl },
        Options.Create(new PlaidOptions { ClientId = "test-client-id", Secret = "test-secret" }),
        NullLogger<PlaidClient>.Instance);

    [Fact]
    public async Task Linking_requests_conform_and_answers_parse()
    {
        var plaid = Client();
        var link = await plaid.CreateLinkTokenAsync(
            new PlaidLinkTokenCreateRequest("Finance assistant", "en", ["US"], new PlaidLinkTokenUser("user-1"), ["transactions", "investments"]), default);
        Assert.StartsWith("link-", link.LinkToken, StringComparison.Ordinal);
        Assert.NotEqual(default, link.Expiration);

        var update = await plaid.CreateLinkTokenAsync(
            new PlaidLinkTokenCreateRequest("Finance assistant", "en", ["US"], new PlaidLinkTokenUser("user-1"), AccessToken: "access-sandbox-123"), default);
        Assert.False(string.IsNullOrEmpty(update.LinkToken));

        var sandbox = await plaid.CreateSandboxPublicTokenAsync(PlaidBankProvider.SandboxInstitution, ["transactions"], default);
        Assert.StartsWith("public-", sandbox.PublicToken, StringComparison.Ordinal);

        var exchange = await plaid.ExchangePublicTokenAsync(sandbox.PublicToken, default);
        Assert.StartsWith("access-", exchange.AccessToken, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(exchange.ItemId));
        recorder.AssertAllConform();
    }

    [Fact]
    public async Task Data_requests_conform_and_answers_parse()
    {
        var plaid = Client();
        var balances = await plaid.GetBalancesAsync("access-sandbox-123", default);
        var checking = balances.Accounts[0];
        Assert.Equal("Plaid Checking", checking.Name);
        Assert.Equal(110m, checking.Balances.Current);
        Assert.Equal("Chase", balances.Item?.InstitutionName);

        var sync = await plaid.SyncTransactionsAsync("access-sandbox-123", null, 500, default);
        var added = Assert.Single(sync.Added);
        Assert.Equal(72.1m, added.Amount);
        Assert.Equal(new DateOnly(2023, 9, 24), added.Date);
        Assert.Equal("Walmart", added.MerchantName);
        Assert.Equal("General merchandise", PlaidBankProvider.CategoryOf(added));
        Assert.Single(sync.Removed);
        Assert.False(string.IsNullOrEmpty(sync.NextCursor));
        Assert.False(sync.HasMore);
        await plaid.SyncTransactionsAsync("access-sandbox-123", sync.NextCursor, 500, default);

        var holdings = await plaid.GetHoldingsAsync("access-sandbox-123", default);
        Assert.Equal(9, holdings.Holdings.Count);
        Assert.Contains(holdings.Securities, s => s.TickerSymbol == "NFLX180201C00355000");

        var investments = await plaid.GetInvestmentTransactionsAsync("access-sandbox-123", new DateOnly(2024, 1, 1), new DateOnly(2024, 3, 31), 0, default);
        Assert.Equal(3, investments.InvestmentTransactions.Count);
        Assert.Equal(3, investments.TotalInvestmentTransactions);
        recorder.AssertAllConform();
    }

    [Fact]
    public async Task The_mock_does_check_requests()
    {
        // A control: a body that breaks Plaid's schema is refused, so a passing test above means something.
        using var http = new HttpClient { BaseAddress = fixture.Prism.BaseUrl };
        using var request = new HttpRequestMessage(HttpMethod.Post, "accounts/balance/get")
        {
            Content = new StringContent("{\"access_token\": 5}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("PLAID-CLIENT-ID", "x");
        request.Headers.Add("PLAID-SECRET", "y");
        request.Headers.Add("Plaid-Version", PlaidClient.ApiVersion);
        var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);

        // And Plaid's error body, as the client reads it.
        var error = await Assert.ThrowsAsync<PlaidApiException>(() => new PlaidClient(
            new HttpClient { BaseAddress = fixture.Prism.BaseUrl }, Options.Create(new PlaidOptions()), NullLogger<PlaidClient>.Instance)
            .GetBalancesAsync("access-sandbox-123", default));
        Assert.Equal(401, error.Status);
        Assert.Equal("INVALID_REQUEST", error.ErrorType);
    }
}
