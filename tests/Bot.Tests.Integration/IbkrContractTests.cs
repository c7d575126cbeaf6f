using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Bot.Finance.Broker;
using Bot.Finance.Ibkr;
using Bot.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Bot.Tests.Integration;

/// <summary>
/// Prism serving a test-time copy of IBKR's OpenAPI document. The copy fixes what keeps the original from being
/// served (see SOURCES.md): its security schemes get <c>type: http</c>; a response whose named examples sit under
/// <c>example</c> instead of <c>examples</c> (/tickle, /iserver/auth/ssodh/init) is moved; the response schemas of
/// operations that have examples are dropped, because IBKR's examples (real gateway answers) contradict them in
/// places (numbers where strings are declared, nulls) and Prism's <c>--errors</c> would turn them into 500s; and
/// the market data snapshot, which has no example, gets one that satisfies its schema. Requests are still checked
/// against the spec unchanged. The spec's paths leave out <c>/v1/api</c>, so the client's base URL is Prism's root.
/// </summary>
public sealed class IbkrPrismFixture : IAsyncLifetime
{
    public const string BearerToken = "test-bearer";
    private readonly string folder = Path.Combine(Path.GetTempPath(), "bot-ibkr-spec-" + Guid.NewGuid().ToString("N"));

    public PrismServer Prism { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(folder);
        var copy = Path.Combine(folder, "ib-rest-api.json");
        await File.WriteAllTextAsync(copy, Patch(await File.ReadAllTextAsync(Path.Combine(RepoPaths.Conformance, "ibkr", "ib-rest-api-2.35.0.json"))));
        Prism = await PrismServer.StartAsync(copy);
    }

    public async Task DisposeAsync()
    {
        await Prism.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    internal static string Patch(string json)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        foreach (var (_, scheme) in root["components"]!["securitySchemes"]!.AsObject())
        {
            scheme!["type"] = "http";
        }
        foreach (var (_, item) in root["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                if (method is not ("get" or "post" or "put" or "delete" or "patch") || operation?["responses"] is not JsonObject responses)
                {
                    continue;
                }
                foreach (var (_, response) in responses)
                {
                    if (response?["content"] is not JsonObject content)
                    {
                        continue;
                    }
                    foreach (var (_, media) in content)
                    {
                        if (media is not JsonObject m)
                        {
                            continue;
                        }
                        if (m["example"] is JsonObject named && named.Count > 0 && named.All(e => e.Value is JsonObject o && o.ContainsKey("value")))
                        {
                            m.Remove("example");
                            m["examples"] = named;
                        }
                        if (m.ContainsKey("example") || m.ContainsKey("examples"))
                        {
                            m.Remove("schema");
                        }
                    }
                }
            }
        }
        root["paths"]!["/iserver/marketdata/snapshot"]!["get"]!["responses"]!["200"]!["content"]!["application/json"]!["example"] = JsonNode.Parse(
            """[{"conid":8314,"conidEx":"8314","31":"C185.40","84":"185.38","86":"185.42","_updated":1712345678000,"server_id":"q0","6509":"RpB"}]""");
        return root.ToJsonString();
    }
}

/// <summary>Every request the IBKR client sends passes IBKR's schema, and the client parses IBKR's example answers.</summary>
public class IbkrContractTests(IbkrPrismFixture fixture) : IClassFixture<IbkrPrismFixture>
{
    private readonly ContractRecorder recorder = new(new HttpClientHandler());

    private IbkrClient Client()
    {
        var http = new HttpClient(recorder) { BaseAddress = fixture.Prism.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new("Bearer", IbkrPrismFixture.BearerToken);
        return new IbkrClient(http, NullLogger<IbkrClient>.Instance);
    }

    private IbkrBroker Broker(IbkrClient client) => new(client,
        Options.Create(new IbkrOptions { BaseUrl = fixture.Prism.BaseUrl.ToString(), AccountId = "DU123456" }), TimeProvider.System, NullLogger<IbkrBroker>.Instance);

    [Fact]
    public async Task Account_position_contract_and_quote_requests_conform_and_answers_parse()
    {
        var client = Client();
        var accounts = await client.GetAccountsAsync(default);
        Assert.Equal("U1234567", accounts.SelectedAccount);
        Assert.True(accounts.IsPaper);

        var broker = Broker(client);
        var positions = await broker.GetPositionsAsync(Guid.NewGuid(), default);
        var bitcoin = Assert.Single(positions, p => p.Symbol == "BTC");
        Assert.Equal(0.00365831m, bitcoin.Quantity);
        Assert.Equal(255.4m, bitcoin.MarketValue);

        var contract = await broker.FindContractAsync("IBM", default);
        Assert.NotNull(contract);
        Assert.Equal(8314, contract.ContractId);
        Assert.Equal("NYSE", contract.Exchange);

        var quote = await broker.GetQuoteAsync("IBM", default);
        Assert.Equal(185.40m, quote.Last);
        Assert.Equal(185.38m, quote.Bid);
        Assert.Equal(185.42m, quote.Ask);
        recorder.AssertAllConform();
    }

    [Fact]
    public async Task Preview_order_and_status_requests_conform_and_answers_parse()
    {
        var client = Client();
        var broker = Broker(client);
        var order = new OrderRequest("IBM", OrderSide.Buy, 10, OrderType.Limit, 197.76m);

        var preview = await broker.PreviewOrderAsync(Guid.NewGuid(), order, default);
        Assert.Null(preview.Error);
        Assert.Equal(1977.60m, preview.EstimatedNotional);
        Assert.Equal(1m, preview.Commission);
        Assert.Contains(preview.Warnings, w => w.Contains("market data", StringComparison.Ordinal));

        var placed = await broker.PlaceOrderAsync(Guid.NewGuid(), "plan-1-order-1", order, default);
        Assert.Equal("1370093239", placed.OrderId);
        Assert.Equal(BrokerOrderStatus.Working, placed.Status);

        var orders = await broker.GetOrdersAsync(Guid.NewGuid(), default);
        var filled = Assert.Single(orders);
        Assert.Equal(BrokerOrderStatus.Filled, filled.Status);
        Assert.Equal(2499.99m, filled.FilledQuantity);
        recorder.AssertAllConform();
    }

    [Fact]
    public async Task The_reply_confirmation_flow_conforms()
    {
        // Prism answers the order with IBKR's warning prompt; the client confirms it through /iserver/reply/{id}.
        recorder.Prefer["/orders"] = "example=orderReplyMessageExample";
        var placed = await Broker(Client()).PlaceOrderAsync(Guid.NewGuid(), "plan-2-order-1", new OrderRequest("IBM", OrderSide.Sell, 5, OrderType.Market, null), default);

        Assert.Equal("1370093239", placed.OrderId);
        Assert.Contains("without market data", placed.Message, StringComparison.Ordinal);
        Assert.Contains(recorder.Exchanges, e => e.Method == "POST" && e.Path == "/iserver/reply/99097238-9824-4830-84ef-46979aa22593");
        recorder.AssertAllConform();
    }

    [Fact]
    public async Task Keepalive_and_session_requests_conform()
    {
        var client = Client();
        var tickle = await client.TickleAsync(default);
        Assert.True(tickle.Iserver?.AuthStatus?.Authenticated);
        Assert.Equal("bb665d0f55b6289d70bc7380089fc96f", tickle.Session);
        await client.InitSessionAsync(default);
        recorder.AssertAllConform();
    }

    [Fact]
    public async Task The_mock_does_check_requests()
    {
        using var http = new HttpClient { BaseAddress = fixture.Prism.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new("Bearer", IbkrPrismFixture.BearerToken);
        var response = await http.PostAsync(new Uri("iserver/account/DU123456/orders", UriKind.Relative),
            new StringContent("""{"orders":[{"conid":"not-a-number","side":"HOLD"}]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
    }
}
