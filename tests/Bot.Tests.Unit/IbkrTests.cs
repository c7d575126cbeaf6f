using System.Net;
using System.Net.Security;
using System.Text.Json;
using Bot.Finance;
using Bot.Finance.Broker;
using Bot.Finance.Ibkr;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Bot.Tests.Unit;

public class IbkrTests
{
    private const string Search = """[{"conid":"265598","symbol":"AAPL","companyName":"APPLE INC","description":"NASDAQ","sections":[{"secType":"STK"}]}]""";

    private static string Prompt(string id, string message) => $$"""[{"id":"{{id}}","isSuppressed":false,"message":["{{message}}"],"messageIds":["o1"]}]""";

    private static (IbkrBroker Broker, StubHttpHandler Stub) Broker(Func<string, string, string> orderAnswers, int maxConfirmations = 5)
    {
        var stub = new StubHttpHandler((request, body) =>
        {
            var path = request.RequestUri!.AbsolutePath;
            return path.EndsWith("/secdef/search", StringComparison.Ordinal)
                ? StubHttpHandler.Json(Search)
                : StubHttpHandler.Json(orderAnswers(path, body));
        });
        var client = new IbkrClient(new HttpClient(stub) { BaseAddress = new Uri("https://localhost:5000/v1/api/") }, NullLogger<IbkrClient>.Instance);
        var options = Options.Create(new IbkrOptions { BaseUrl = "https://localhost:5000/v1/api", AccountId = "DU111", MaxConfirmations = maxConfirmations });
        return (new IbkrBroker(client, options, TimeProvider.System, NullLogger<IbkrBroker>.Instance), stub);
    }

    private static readonly OrderRequest Buy = new("AAPL", OrderSide.Buy, 10, OrderType.Limit, 190.5m);

    [Fact]
    public async Task Warnings_are_confirmed_through_reply_until_the_order_is_accepted()
    {
        var (broker, stub) = Broker((path, _) => path switch
        {
            "/v1/api/iserver/account/DU111/orders" => Prompt("r-1", "You are submitting an order without market data.\\nAre you sure?"),
            "/v1/api/iserver/reply/r-1" => Prompt("r-2", "The order size exceeds the size limit."),
            "/v1/api/iserver/reply/r-2" => """[{"order_id":"987","order_status":"Submitted","encrypt_message":"1"}]""",
            _ => throw new InvalidOperationException(path),
        });

        var order = await broker.PlaceOrderAsync(Guid.NewGuid(), "plan-9:0", Buy, default);

        Assert.Equal(("987", BrokerOrderStatus.Working, "plan-9:0"), (order.OrderId, order.Status, order.ClientOrderId));
        Assert.Contains("without market data. Are you sure?", order.Message, StringComparison.Ordinal);
        Assert.Contains("exceeds the size limit", order.Message, StringComparison.Ordinal);
        var sent = stub.Requests.Where(r => r.Method == HttpMethod.Post).ToList();
        Assert.Equal(["/v1/api/iserver/account/DU111/orders", "/v1/api/iserver/reply/r-1", "/v1/api/iserver/reply/r-2"], sent.Select(r => r.Path));
        var placed = JsonDocument.Parse(sent[0].Body).RootElement.GetProperty("orders")[0];
        Assert.Equal("plan-9:0", placed.GetProperty("cOID").GetString());
        Assert.Equal(265598, placed.GetProperty("conid").GetInt64());
        Assert.Equal(("LMT", "BUY", "DAY", 190.5m, 10m, "DU111"), (placed.GetProperty("orderType").GetString(), placed.GetProperty("side").GetString(),
            placed.GetProperty("tif").GetString(), placed.GetProperty("price").GetDecimal(), placed.GetProperty("quantity").GetDecimal(), placed.GetProperty("acctId").GetString()));
        Assert.All(sent.Skip(1), r => Assert.Equal("""{"confirmed":true}""", r.Body));
    }

    [Fact]
    public async Task Endless_prompts_stop_after_the_configured_rounds_and_decline_the_last()
    {
        var n = 0;
        var (broker, stub) = Broker((_, _) => Prompt($"r-{++n}", "Again?"), maxConfirmations: 2);

        var order = await broker.PlaceOrderAsync(Guid.NewGuid(), "plan-10:0", Buy, default);

        Assert.Equal(BrokerOrderStatus.Rejected, order.Status);
        Assert.Contains("kept asking for confirmations", order.Message, StringComparison.Ordinal);
        var replies = stub.Requests.Where(r => r.Path.Contains("/reply/", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, replies.Count);
        Assert.Equal("""{"confirmed":false}""", replies[^1].Body);
    }

    [Fact]
    public async Task A_reused_client_order_id_is_refused_as_a_duplicate_and_errors_become_rejections()
    {
        var (duplicate, _) = Broker((_, _) => """{"error":"Local order ID=plan-1:0 is already registered."}""");
        var refused = await Assert.ThrowsAsync<DuplicateClientOrderIdException>(() => duplicate.PlaceOrderAsync(Guid.NewGuid(), "plan-1:0", Buy, default));
        Assert.Equal("plan-1:0", refused.ClientOrderId);

        var (rejecting, _) = Broker((_, _) => """{"error":"Order rejected: insufficient buying power"}""");
        var rejected = await rejecting.PlaceOrderAsync(Guid.NewGuid(), "plan-2:0", Buy, default);
        Assert.Equal(BrokerOrderStatus.Rejected, rejected.Status);
        Assert.Equal("Order rejected: insufficient buying power", rejected.Message);
    }

    [Fact]
    public async Task A_live_account_is_refused_unless_live_trading_is_configured()
    {
        var stub = new StubHttpHandler((request, _) => StubHttpHandler.Json(request.RequestUri!.AbsolutePath.EndsWith("/accounts", StringComparison.Ordinal)
            ? """{"accounts":["U999"],"selectedAccount":"U999"}"""
            : Search));
        var client = new IbkrClient(new HttpClient(stub) { BaseAddress = new Uri("https://localhost:5000/v1/api/") }, NullLogger<IbkrClient>.Instance);
        var broker = new IbkrBroker(client, Options.Create(new IbkrOptions { BaseUrl = "https://localhost:5000/v1/api" }), TimeProvider.System, NullLogger<IbkrBroker>.Instance);

        var error = await Assert.ThrowsAsync<IbkrApiException>(() => broker.PlaceOrderAsync(Guid.NewGuid(), "x", Buy, default));
        Assert.Contains("Ibkr:Live is false", error.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(stub.Requests, r => r.Path.EndsWith("/orders", StringComparison.Ordinal));
    }

    [Fact]
    public void Snapshot_fields_and_whatif_amounts_are_read_as_numbers()
    {
        var row = System.Text.Json.Nodes.JsonNode.Parse("""{"conid":1,"31":"C1,234.50","84":"H12.5","86":7}""")!.AsObject();
        Assert.Equal(1234.50m, IbkrBroker.Field(row, "31"));
        Assert.Equal(12.5m, IbkrBroker.Field(row, "84"));
        Assert.Equal(7m, IbkrBroker.Field(row, "86"));
        Assert.Null(IbkrBroker.Field(row, "55"));
        Assert.Equal(1977.60m, IbkrBroker.FirstNumber("1,977.60 USD (10 Shares)"));
    }

    [Fact]
    public void Keepalive_backoff_doubles_from_one_second_to_a_minute()
    {
        Assert.Equal([1, 2, 4, 8, 16, 32, 60, 60], Enumerable.Range(1, 8).Select(n => IbkrKeepAlive.Retry.After(n).TotalSeconds));
        Assert.Equal(60, IbkrKeepAlive.Retry.After(int.MaxValue).TotalSeconds);
    }

    [Fact]
    public async Task Keepalive_backs_off_while_the_gateway_is_down_and_reopens_a_lapsed_session()
    {
        var tickles = 0;
        var stub = new StubHttpHandler((request, _) =>
        {
            if (request.RequestUri!.AbsolutePath.EndsWith("/ssodh/init", StringComparison.Ordinal))
            {
                return StubHttpHandler.Json("""{"authenticated":true}""");
            }
            tickles++;
            return tickles switch
            {
                <= 7 => throw new HttpRequestException("connection refused"),
                8 => StubHttpHandler.Json("""{"session":"s","iserver":{"authStatus":{"authenticated":false}}}"""),
                _ => StubHttpHandler.Json("""{"session":"s","iserver":{"authStatus":{"authenticated":true,"connected":true}}}"""),
            };
        });
        var services = new ServiceCollection()
            .AddSingleton(new IbkrClient(new HttpClient(stub) { BaseAddress = new Uri("https://localhost:5000/v1/api/") }, NullLogger<IbkrClient>.Instance))
            .BuildServiceProvider();
        var delays = new List<double>();
        using var keepAlive = new IbkrKeepAlive(services, Options.Create(new IbkrOptions { BaseUrl = "https://localhost:5000/v1/api", KeepAliveSeconds = 45 }),
            TimeProvider.System, NullLogger<IbkrKeepAlive>.Instance)
        {
            Delay = (delay, _) =>
            {
                delays.Add(delay.TotalSeconds);
                return delays.Count == 11 ? Task.FromCanceled(new CancellationToken(canceled: true)) : Task.CompletedTask;
            },
        };

        await keepAlive.StartAsync(default);
        await keepAlive.ExecuteTask!;

        // Seven refused connections, then a lapsed session (which the gateway is asked to reopen), then alive again.
        Assert.Equal([1, 2, 4, 8, 16, 32, 60, 60, 45, 45, 45], delays);
        Assert.Single(stub.Requests, r => r.Path.EndsWith("/iserver/auth/ssodh/init", StringComparison.Ordinal));
    }

    [Fact]
    public void Self_signed_gateway_certificates_are_accepted_only_when_configured_and_names_still_must_match()
    {
        Assert.Null(FinanceServiceCollectionExtensions.IbkrHandler(new IbkrOptions()).SslOptions.RemoteCertificateValidationCallback);
        Assert.NotNull(FinanceServiceCollectionExtensions.IbkrHandler(new IbkrOptions { AllowSelfSignedCertificate = true }).SslOptions.RemoteCertificateValidationCallback);
        Assert.True(FinanceServiceCollectionExtensions.AcceptSelfSigned(SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(FinanceServiceCollectionExtensions.AcceptSelfSigned(SslPolicyErrors.RemoteCertificateNameMismatch));
        Assert.False(FinanceServiceCollectionExtensions.AcceptSelfSigned(SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch));
    }
}
