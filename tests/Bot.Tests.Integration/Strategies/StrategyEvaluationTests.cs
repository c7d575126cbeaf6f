using Bot.Finance.Broker;
using Bot.Finance.Trading;
using Bot.Strategies;
using Bot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bot.Tests.Integration.Strategies;

/// <summary>The paper market's pinned prices, changed by the test as it goes (the settings' <c>PaperBroker:Prices</c>, live).</summary>
public sealed class MovablePrices : IOptionsMonitor<PaperMarketOptions>
{
    public PaperMarketOptions CurrentValue { get; } = new();

    public void Set(string symbol, decimal price) => CurrentValue.Prices[symbol] = price;

    public PaperMarketOptions Get(string? name) => CurrentValue;

    public IDisposable? OnChange(Action<PaperMarketOptions, string?> listener) => null;
}

/// <summary>The host with its workers off (the test runs turns by hand), the paper market open at all hours, and prices the test sets.</summary>
public class StrategiesFactory : IngestOnlyFactory
{
    public MovablePrices Prices { get; } = new();

    protected override IDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Strategies:PaperAlwaysOpen"] = "true",
        // The clustered tick fires once at start (nothing is due then) and not again during a test: the test evaluates.
        ["Strategies:TickSeconds"] = "3600",
        ["Trading:MaxOrderNotional"] = "20000",
        ["Trading:MaxDailyNotional"] = "1000000",
    };

    protected override void ConfigureTestServices(IServiceCollection services) =>
        services.AddSingleton<IOptionsMonitor<PaperMarketOptions>>(Prices);
}

/// <summary>
/// Standing instructions on real PostgreSQL: evaluation without anyone in the chat fires an occurrence exactly once
/// however many evaluators race, an alert fires once per crossing, and a firing's turn proposes the plan that the
/// owner's approval executes once.
/// </summary>
public class StrategyEvaluationTests(StrategiesFactory app) : IClassFixture<StrategiesFactory>
{
    private readonly PipelineDriver driver = new(app);

    private async Task<(Guid ThreadId, Guid UserId, Guid ConversationId)> SayAsync(string text, string user, string conversation)
    {
        var inbound = await driver.ReceiveAsync(text, conversation, user);
        await driver.RunAsync(inbound.ThreadId);
        return (inbound.ThreadId, inbound.UserId, inbound.ConversationId);
    }

    private async Task<IReadOnlyList<string>> RepliesAsync(Guid threadId)
    {
        await using var command = app.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand("SELECT coalesce(payload->>'text', '') FROM outbox WHERE thread_id = $1 ORDER BY seq");
        command.Parameters.Add(new() { Value = threadId });
        var texts = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            texts.Add(reader.GetString(0));
        }
        return texts;
    }

    /// <summary>Evaluates what is due from <paramref name="evaluators"/> evaluators at once, as replicas' ticks would.</summary>
    private async Task EvaluateConcurrentlyAsync(int evaluators = 8)
    {
        var evaluator = app.Services.GetRequiredService<StrategyEvaluator>();
        await Task.WhenAll(Enumerable.Range(0, evaluators).Select(i => Task.Run(() => evaluator.EvaluateDueAsync("test-" + i, default))));
    }

    private Task MakeDueAsync(Guid strategyId) =>
        app.Database.ScalarAsync<int>("UPDATE strategies SET next_eval_at = now() - interval '1 second', due_at = CASE WHEN due_at IS NULL THEN NULL ELSE now() - interval '1 second' END WHERE id = $1", strategyId);

    private Task<long> FiringsAsync(Guid strategyId) =>
        app.Database.CountAsync("SELECT count(*) FROM inbox WHERE event_id LIKE $1", StrategyEvaluator.EventIdPrefix + strategyId.ToString("N") + ":%");

    [Fact]
    public async Task An_alert_fires_exactly_once_across_racing_evaluators_and_once_per_crossing()
    {
        var user = "alerts-" + Guid.NewGuid().ToString("N");
        app.Prices.Set("IBM", 190m);
        var (thread, _, _) = await SayAsync("/alert IBM below 180", user, "chat-" + user);
        Assert.Contains("Set **Alert: IBM below 180.00**", (await RepliesAsync(thread))[^1], StringComparison.Ordinal);
        var id = await app.Database.ScalarAsync<Guid>("SELECT id FROM strategies WHERE conversation_id = (SELECT conversation_id FROM threads WHERE id = $1)", thread);

        await EvaluateConcurrentlyAsync();
        Assert.Equal(0, await FiringsAsync(id)); // 190: not across

        app.Prices.Set("IBM", 179.5m);
        await MakeDueAsync(id);
        await EvaluateConcurrentlyAsync();
        Assert.Equal(1, await FiringsAsync(id));
        Assert.False(await app.Database.ScalarAsync<bool>("SELECT armed FROM strategies WHERE id = $1", id));

        // Still below, then back up but inside the band (180.90): no new firing.
        foreach (var price in new[] { 178m, 180.5m, 179m })
        {
            app.Prices.Set("IBM", price);
            await MakeDueAsync(id);
            await EvaluateConcurrentlyAsync();
        }
        Assert.Equal(1, await FiringsAsync(id));

        // Back above the band re-arms; the next crossing fires once more.
        app.Prices.Set("IBM", 182m);
        await MakeDueAsync(id);
        await EvaluateConcurrentlyAsync();
        app.Prices.Set("IBM", 179.25m);
        await MakeDueAsync(id);
        await EvaluateConcurrentlyAsync();
        Assert.Equal(2, await FiringsAsync(id));

        // The firing's thread is titled after the instruction and its turn reports the price and the position.
        var fired = await app.Database.ScalarAsync<Guid>("SELECT thread_id FROM inbox WHERE event_id LIKE $1 ORDER BY received_at DESC LIMIT 1", StrategyEvaluator.EventIdPrefix + id.ToString("N") + ":%");
        Assert.Equal("Alert: IBM below 180.00", await app.Database.ScalarAsync<string>("SELECT title FROM threads WHERE id = $1", fired));
        await driver.RunAsync(fired);
        var report = Assert.Single(await RepliesAsync(fired));
        Assert.Contains("IBM is at **179.25** now", report, StringComparison.Ordinal);
        Assert.Contains("You hold no IBM.", report, StringComparison.Ordinal);
        Assert.StartsWith("Fired: IBM at 179.25", await app.Database.ScalarAsync<string>("SELECT last_outcome FROM strategies WHERE id = $1", id), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_due_recurring_buy_fires_once_and_its_plan_executes_once_on_approval()
    {
        var user = "dca-" + Guid.NewGuid().ToString("N");
        app.Prices.Set("VOO", 470m);
        var (thread, owner, _) = await SayAsync("/dca 1000 VOO monthly 1", user, "chat-" + user);
        var id = await app.Database.ScalarAsync<Guid>("SELECT id FROM strategies WHERE user_id = $1", owner);

        await MakeDueAsync(id);
        await EvaluateConcurrentlyAsync();
        Assert.Equal(1, await FiringsAsync(id));
        Assert.True(await app.Database.ScalarAsync<bool>("SELECT due_at > now() + interval '1 day' FROM strategies WHERE id = $1", id));
        await EvaluateConcurrentlyAsync();
        Assert.Equal(1, await FiringsAsync(id));

        var fired = await app.Database.ScalarAsync<Guid>("SELECT thread_id FROM inbox WHERE event_id LIKE $1", StrategyEvaluator.EventIdPrefix + id.ToString("N") + ":%");
        await driver.RunAsync(fired);
        var replies = await RepliesAsync(fired);
        // 2 shares at the ask 470.09 (940.18 + 1.00 commission) within 1,000: 58.82 left.
        Assert.Contains("Proposing to buy **2 VOO** at a limit of 470.09", replies[0], StringComparison.Ordinal);
        Assert.Contains("**58.82 USD** of the 1,000.00 USD is left in cash", replies[0], StringComparison.Ordinal);
        var shortId = await app.Database.ScalarAsync<string>("SELECT last_plan FROM strategies WHERE id = $1", id);
        Assert.NotNull(shortId);

        using var scope = app.Services.CreateScope();
        var plans = scope.ServiceProvider.GetRequiredService<TradePlanService>();
        var plan = (await plans.LoadAsync(shortId!, default))!;
        Assert.Equal(fired, plan.ThreadId);
        Assert.Contains("recurring buy", plan.Rationale, StringComparison.Ordinal);
        var decisions = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Task.Run(async () =>
        {
            using var inner = app.Services.CreateScope();
            return await inner.ServiceProvider.GetRequiredService<TradePlanService>().DecideAsync(shortId!, owner, PlanDecision.Approve, plan.SnapshotHash, default);
        })));
        Assert.Single(decisions, d => d.Changed);
        Assert.Equal(1, await app.Database.CountAsync("SELECT count(*) FROM paper_orders WHERE user_id = $1 AND status = 'Filled' AND quantity = 2", owner));

        // /strategies tells the outcome, the plan's fate and the next evaluation.
        var (list, _, _) = await SayAsync("/strategies", user, "chat-" + user);
        var text = (await RepliesAsync(list))[^1];
        Assert.Contains($"Proposed plan {shortId} (approved, filled)", text, StringComparison.Ordinal);
        Assert.Contains("Next evaluation: 20", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plan_approved_after_the_price_drifted_past_the_limit_is_refused()
    {
        var user = "drift-" + Guid.NewGuid().ToString("N");
        app.Prices.Set("QQQ", 440m);
        var (_, owner, _) = await SayAsync("/dca 1000 QQQ weekly mon", user, "chat-" + user);
        var id = await app.Database.ScalarAsync<Guid>("SELECT id FROM strategies WHERE user_id = $1", owner);
        await MakeDueAsync(id);
        await EvaluateConcurrentlyAsync(2);
        await driver.RunAsync(await app.Database.ScalarAsync<Guid>("SELECT thread_id FROM inbox WHERE event_id LIKE $1", StrategyEvaluator.EventIdPrefix + id.ToString("N") + ":%"));
        var shortId = (await app.Database.ScalarAsync<string>("SELECT last_plan FROM strategies WHERE id = $1", id))!;

        app.Prices.Set("QQQ", 452m); // +2.7 %, past Trading:MaxPriceDriftPercent (2)
        using var scope = app.Services.CreateScope();
        var plans = scope.ServiceProvider.GetRequiredService<TradePlanService>();
        var result = await plans.DecideAsync(shortId, owner, PlanDecision.Approve, (await plans.LoadAsync(shortId, default))!.SnapshotHash, default);
        Assert.False(result.Changed);
        Assert.Contains("QQQ moved 2.7% since the plan was proposed", result.Message, StringComparison.Ordinal);
        Assert.Equal(0, await app.Database.CountAsync("SELECT count(*) FROM paper_orders WHERE user_id = $1", owner));
    }

    [Fact]
    public async Task Rebalance_now_proposes_the_fewest_orders_and_bad_input_changes_nothing()
    {
        var user = "rebalance-" + Guid.NewGuid().ToString("N");
        app.Prices.Set("VTI", 260m);
        app.Prices.Set("BND", 72m);
        var (_, owner, _) = await SayAsync("/strategies", user, "chat-" + user);
        using (var scope = app.Services.CreateScope())
        {
            var broker = scope.ServiceProvider.GetRequiredService<PaperBroker>();
            await broker.PlaceOrderAsync(owner, "seed-vti-" + user, new OrderRequest("VTI", OrderSide.Buy, 30, OrderType.Market, null), default);
            await broker.PlaceOrderAsync(owner, "seed-bnd-" + user, new OrderRequest("BND", OrderSide.Buy, 40, OrderType.Market, null), default);
        }

        var (bad, _, _) = await SayAsync("/rebalance VTI 60 BND 30 drift 5", user, "chat-" + user);
        Assert.Contains("The target weights add up to 90%, not 100%. Nothing was set.", (await RepliesAsync(bad))[^1], StringComparison.Ordinal);
        Assert.Equal(0, await app.Database.CountAsync("SELECT count(*) FROM strategies WHERE user_id = $1", owner));

        await SayAsync("/rebalance VTI 60 BND 40 drift 5", user, "chat-" + user);
        var (now, _, _) = await SayAsync("/rebalance now", user, "chat-" + user);
        var replies = await RepliesAsync(now);
        Assert.Contains("- **VTI**: target 60%, now 73.0% (+13.0 pts)", replies[^2], StringComparison.Ordinal);
        Assert.Contains("The fewest orders (1)", replies[^2], StringComparison.Ordinal);
        var plan = await app.Database.ScalarAsync<string>("SELECT last_plan FROM strategies WHERE user_id = $1", owner);
        Assert.Equal(1, await app.Database.CountAsync("SELECT count(*) FROM trade_plan_orders o JOIN trade_plans p ON p.id = o.plan_id WHERE p.short_id = $1", plan!));
    }
}
