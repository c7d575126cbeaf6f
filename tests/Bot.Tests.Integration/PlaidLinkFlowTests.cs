using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Bot.Finance.Plaid;
using Bot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Tests.Integration;

/// <summary>The host with Plaid configured, pointing at Prism serving Plaid's spec, on real PostgreSQL.</summary>
public sealed class PlaidHostFactory(Uri plaidBaseUrl, ContractRecorder recorder, PlaidFaults faults) : BotAppFactory
{
    protected override IDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Plaid:ClientId"] = "test-client-id",
        ["Plaid:Secret"] = "test-secret",
        ["Plaid:BaseUrl"] = plaidBaseUrl.ToString(),
        ["Plaid:Products"] = "transactions,investments",
    };

    protected override void ConfigureTestServices(IServiceCollection services) =>
        services.AddHttpClient<PlaidClient>().AddHttpMessageHandler(() => faults).AddHttpMessageHandler(() => recorder);
}

/// <summary>
/// Linking a bank end to end: <c>/link bank</c> in the web chat gives a one-time URL, its page opens Plaid Link, the
/// public token posted back is exchanged, the access token is stored encrypted, and the commands then answer from
/// Plaid. Every request the host sent Plaid passed Plaid's schema.
/// </summary>
[Collection(PlaidPrismCollection.Name)]
public partial class PlaidLinkFlowTests(PlaidPrismFixture fixture) : IAsyncLifetime
{
    // What Prism answers with: the examples in Plaid's spec.
    private const string ExampleLinkToken = "link-sandbox-af1a0311-da53-4636-b754-dd15cc058176";
    private const string ExampleAccessToken = "access-sandbox-de3ce8ef-33f8-452c-a685-8671031fc0f6";
    private const string ExampleCursor = "tVUUL15lYQN5rBnfDIc1I8xudpGdIlw9nsgeXWvhOfkECvUeR663i3Dt1uf/94S8ASkitgLcIiOSqNwzzp+bh89kirazha5vuZHBb2ZA5NtCDkkV";

    private readonly ContractRecorder recorder = new();
    private readonly PlaidFaults faults = new();
    private PlaidHostFactory app = null!;

    public async Task InitializeAsync()
    {
        app = new PlaidHostFactory(fixture.Prism.BaseUrl, recorder, faults);
        await ((IAsyncLifetime)app).InitializeAsync();
    }

    public async Task DisposeAsync() => await ((IAsyncLifetime)app).DisposeAsync();

    [Fact]
    public async Task A_bank_is_linked_through_a_one_time_page_and_then_answers_from_plaid()
    {
        var chat = await DirectLineTestClient.StartAsync(app.CreateClient());
        await chat.SendAsync("/balances");
        Assert.Contains("No bank is connected yet", await ReplyAsync(chat, 1), StringComparison.Ordinal);

        await chat.SendAsync("/link bank");
        var linkReply = await ReplyAsync(chat, 2);
        var url = LinkPattern().Match(linkReply).Groups[1].Value;
        Assert.StartsWith("/link/plaid?c=", url, StringComparison.Ordinal); // never in the path, which reaches the log scope

        var http = app.CreateClient();
        var page = await http.GetAsync(new Uri(url, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains(ExampleLinkToken, html, StringComparison.Ordinal);
        Assert.Contains("<script src=\"https://cdn.plaid.com/link/v2/stable/link-initialize.js\"", html, StringComparison.Ordinal);
        Assert.Contains("script-src 'nonce-", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("no-referrer", page.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal("no-store", page.Headers.CacheControl?.ToString());

        var linked = await http.PostAsJsonAsync(new Uri(url, UriKind.Relative), new { publicToken = "public-sandbox-b0e2c4ee-a763-4df5-bfe9-46a46bce993d" });
        Assert.Equal(HttpStatusCode.OK, linked.StatusCode);
        Assert.Contains("Chase is connected", (await linked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString(), StringComparison.Ordinal);

        // The link is spent: neither the page nor the exchange works a second time.
        Assert.Equal(HttpStatusCode.Gone, (await http.PostAsJsonAsync(new Uri(url, UriKind.Relative), new { publicToken = "public-sandbox-again" })).StatusCode);
        Assert.Equal(HttpStatusCode.Gone, (await http.GetAsync(new Uri(url, UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Gone, (await http.GetAsync(new Uri("/link/plaid?c=" + new string('a', 32), UriKind.Relative))).StatusCode);

        // The access token is stored only as ciphertext.
        var stored = await app.Database.ScalarAsync<string>("SELECT protected_access_token FROM bank_items");
        Assert.False(string.IsNullOrEmpty(stored));
        Assert.DoesNotContain(ExampleAccessToken, stored, StringComparison.Ordinal);
        Assert.DoesNotContain("access-sandbox", stored, StringComparison.Ordinal);
        Assert.Equal(0, await app.Database.CountAsync("SELECT count(*) FROM bank_items b WHERE row_to_json(b)::text LIKE '%access-sandbox%'"));
        using (var scope = app.Services.CreateScope())
        {
            var protector = scope.ServiceProvider.GetRequiredService<Bot.Finance.Bank.BankTokenProtector>();
            Assert.Equal(ExampleAccessToken, protector.Unprotect(stored!));
        }

        await chat.SendAsync("/balances");
        var balances = await ReplyAsync(chat, 3);
        Assert.Contains("· Plaid", balances, StringComparison.Ordinal);
        Assert.Contains("**Plaid Checking** ••0000 (checking): $110.00, $100.00 available", balances, StringComparison.Ordinal);
        Assert.Contains("**Plaid Credit Card** ••3333 (credit card): $410.00 owed, limit $2,000.00", balances, StringComparison.Ordinal);
        Assert.DoesNotContain("demo", balances, StringComparison.OrdinalIgnoreCase);

        await chat.SendAsync("/transactions 2023-09");
        var transactions = await ReplyAsync(chat, 4);
        Assert.Contains("2023-09-24 · Walmart · General merchandise · -$72.10", transactions, StringComparison.Ordinal);
        Assert.Equal(ExampleCursor, await app.Database.ScalarAsync<string>("SELECT transactions_cursor FROM bank_items"));
        Assert.True(await app.Database.CountAsync("SELECT count(*) FROM bank_transactions") >= 1);

        await chat.SendAsync("/portfolio");
        var portfolio = await ReplyAsync(chat, 5);
        Assert.Contains("**Bank investment accounts** · Plaid", portfolio, StringComparison.Ordinal);
        Assert.Contains("paper broker", portfolio, StringComparison.Ordinal);

        // Nothing the bot said or stored in the thread carries the token.
        Assert.Equal(0, await app.Database.CountAsync("SELECT count(*) FROM thread_events WHERE content::text LIKE '%access-sandbox%'"));
        Assert.Equal(0, await app.Database.CountAsync("SELECT count(*) FROM outbox WHERE payload::text LIKE '%access-sandbox%'"));
        recorder.AssertAllConform();
    }

    [Fact]
    public async Task A_connection_that_needs_a_new_login_gets_a_relink_link_that_repairs_it()
    {
        var chat = await DirectLineTestClient.StartAsync(app.CreateClient());
        await chat.SendAsync("/link bank");
        var url = LinkPattern().Match(await ReplyAsync(chat, 1)).Groups[1].Value;
        var http = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync(new Uri(url, UriKind.Relative), new { publicToken = "public-sandbox-1" })).StatusCode);

        faults.Next = ("/accounts/balance/get",
            """{"error_type":"ITEM_ERROR","error_code":"ITEM_LOGIN_REQUIRED","error_message":"the login details of this item have changed","display_message":null,"request_id":"r1"}""");
        await chat.SendAsync("/balances");
        var reply = await ReplyAsync(chat, 2);
        Assert.Contains("Your bank needs you to sign in again", reply, StringComparison.Ordinal);
        Assert.Equal("LoginRequired", await app.Database.ScalarAsync<string>("SELECT status FROM bank_items"));
        var relink = RelinkPattern().Match(reply).Groups[1].Value;
        Assert.NotEqual(url, relink);
        Assert.Equal(1, await app.Database.CountAsync("SELECT count(*) FROM bank_link_sessions WHERE bank_item_id IS NOT NULL AND used_at IS NULL"));

        // The relink page opens Plaid Link in update mode (with the item's access token, which Prism checks against the spec).
        var page = await http.GetAsync(new Uri(relink, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var repaired = await http.PostAsJsonAsync(new Uri(relink, UriKind.Relative), new { publicToken = "public-sandbox-2" });
        Assert.Contains("reconnected", (await repaired.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("Active", await app.Database.ScalarAsync<string>("SELECT status FROM bank_items"));

        await chat.SendAsync("/balances");
        Assert.Contains("Plaid Checking", await ReplyAsync(chat, 3), StringComparison.Ordinal);
        recorder.AssertAllConform();
    }

    [GeneratedRegex(@"(/link/plaid\?c=[A-Za-z0-9_-]{32})")]
    private static partial Regex RelinkPattern();

    private static async Task<string> ReplyAsync(DirectLineTestClient chat, int count) =>
        (await chat.WaitForBotRepliesAsync(count))[count - 1].GetProperty("text").GetString()!;

    [GeneratedRegex(@"\((/link/plaid\?c=[A-Za-z0-9_-]{32})\)")]
    private static partial Regex LinkPattern();
}
