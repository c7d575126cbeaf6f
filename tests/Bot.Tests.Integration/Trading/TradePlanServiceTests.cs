using Bot.Finance.Broker;
using Bot.Pipeline.Model;
using Bot.Finance.Trading;
using Bot.Storage.Entities;
using Bot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Tests.Integration.Trading;

public class TradingFactory : IngestOnlyFactory
{
    protected override IDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Trading:MaxOrderNotional"] = "20000",
        ["Trading:MaxDailyNotional"] = "1000000",
        // The day's level all day: the tests price their limits from DeterministicQuotes.
        ["PaperBroker:IntradayMoves"] = "false",
    };
}

/// <summary>The plan rules on real PostgreSQL with the paper broker: owner only, expiry, snapshot hash, drift, exactly once.</summary>
public class TradePlanServiceTests(TradingFactory app) : IClassFixture<TradingFactory>
{
    private readonly PipelineDriver driver = new(app);

    private async Task<(TradePlan Plan, Guid Owner)> ProposeAsync(params OrderRequest[] orders)
    {
        var inbound = await driver.ReceiveAsync("/help", user: "trader-" + Guid.NewGuid().ToString("N"));
        using var scope = app.Services.CreateScope();
        var plans = scope.ServiceProvider.GetRequiredService<TradePlanService>();
        var result = await plans.ProposeAsync(inbound.UserId, inbound.ThreadId, inbound.ConversationId, inbound.InboxId, 0,
            orders.Length > 0 ? orders : [Limit("AAPL", 5)], "Test plan", Guid.CreateVersion7(), default);
        Assert.True(result.Plan is not null, result.Error ?? string.Join(" ", result.Verdict.Refusals));
        return (result.Plan!, inbound.UserId);
    }

    /// <summary>A buy limit at the current ask, so it is marketable and fills on the paper broker.</summary>
    private static OrderRequest Limit(string symbol, decimal quantity) =>
        new(symbol, OrderSide.Buy, quantity, OrderType.Limit, DeterministicQuotes.QuoteFor(symbol, DateTimeOffset.UtcNow).Ask!.Value + 0.05m);

    private async Task<DecisionResult> DecideAsync(TradePlan plan, Guid actor, PlanDecision decision = PlanDecision.Approve, string? hash = null)
    {
        using var scope = app.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<TradePlanService>().DecideAsync(plan.ShortId, actor, decision, hash ?? plan.SnapshotHash, default);
    }

    private Task<string?> StatusAsync(TradePlan plan) => app.Database.ScalarAsync<string>("SELECT status FROM trade_plans WHERE id = $1", plan.Id);

    private Task<long> BrokerOrdersAsync(TradePlan plan) =>
        app.Database.CountAsync("SELECT count(*) FROM paper_orders WHERE client_order_id IN (SELECT replace(id::text, '-', '') FROM trade_plan_orders WHERE plan_id = $1)", plan.Id);

    [Fact]
    public async Task Fifty_concurrent_approvals_by_the_owner_send_exactly_one_order()
    {
        var (plan, owner) = await ProposeAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => DecideAsync(plan, owner))));

        Assert.Equal(1, await BrokerOrdersAsync(plan));
        Assert.Single(results, r => r.Changed);
        Assert.Equal("Filled", await StatusAsync(plan));
        Assert.Equal(1, await app.Database.CountAsync("SELECT count(*) FROM audit_log WHERE subject_id = $1 AND action = 'plan.approved'", plan.Id.ToString()));
        Assert.All(results.Where(r => !r.Changed), r => Assert.Contains("already", r.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Another_user_is_refused_and_the_plan_is_unchanged()
    {
        var (plan, _) = await ProposeAsync();
        var stranger = (await driver.ReceiveAsync("/help", user: "stranger-" + Guid.NewGuid().ToString("N"))).UserId;

        var result = await DecideAsync(plan, stranger);
        var declineResult = await DecideAsync(plan, stranger, PlanDecision.Decline);

        Assert.False(result.Changed);
        Assert.False(declineResult.Changed);
        Assert.Contains("only the person this plan was made for", result.Message, StringComparison.Ordinal);
        Assert.Equal("Proposed", await StatusAsync(plan));
        Assert.Equal(0, await BrokerOrdersAsync(plan));
        Assert.Equal(2, await app.Database.CountAsync("SELECT count(*) FROM audit_log WHERE subject_id = $1 AND action = 'plan.refused_not_owner'", plan.Id.ToString()));
    }

    [Fact]
    public async Task An_expired_plan_cannot_be_approved()
    {
        var (plan, owner) = await ProposeAsync();
        await app.Database.ScalarAsync<int>("UPDATE trade_plans SET expires_at = now() - interval '1 second' WHERE id = $1", plan.Id);

        var result = await DecideAsync(plan, owner);

        Assert.Contains("expired", result.Message, StringComparison.Ordinal);
        Assert.Equal("Expired", await StatusAsync(plan));
        Assert.Equal(0, await BrokerOrdersAsync(plan));
    }

    [Fact]
    public async Task A_tampered_hash_is_refused()
    {
        var (plan, owner) = await ProposeAsync();
        var forged = new string(plan.SnapshotHash.Reverse().ToArray());

        var result = await DecideAsync(plan, owner, hash: forged == plan.SnapshotHash ? "000000000000" : forged);

        Assert.False(result.Changed);
        Assert.Contains("does not match this plan", result.Message, StringComparison.Ordinal);
        Assert.Equal("Proposed", await StatusAsync(plan));
        Assert.Equal(0, await BrokerOrdersAsync(plan));
    }

    [Fact]
    public async Task A_price_that_moved_beyond_the_tolerance_is_refused_with_the_reason()
    {
        var (plan, owner) = await ProposeAsync();
        // As if the market had been 10% lower when the plan was proposed.
        await app.Database.ScalarAsync<int>("UPDATE trade_plan_orders SET proposal_price = proposal_price * 0.9 WHERE plan_id = $1", plan.Id);

        var result = await DecideAsync(plan, owner);

        Assert.False(result.Changed);
        Assert.Contains("AAPL moved", result.Message, StringComparison.Ordinal);
        Assert.Contains("2% allowed", result.Message, StringComparison.Ordinal);
        Assert.Equal("Proposed", await StatusAsync(plan));
        Assert.Equal(0, await BrokerOrdersAsync(plan));
    }

    [Fact]
    public async Task Decline_sends_nothing_and_a_later_approve_changes_nothing()
    {
        var (plan, owner) = await ProposeAsync();
        Assert.True((await DecideAsync(plan, owner, PlanDecision.Decline)).Changed);
        var approve = await DecideAsync(plan, owner);
        Assert.False(approve.Changed);
        Assert.Contains("declined", approve.Message, StringComparison.Ordinal);
        Assert.Equal("Declined", await StatusAsync(plan));
        Assert.Equal(0, await BrokerOrdersAsync(plan));
    }

    [Fact]
    public async Task Risk_checks_refuse_at_proposal_with_the_reason()
    {
        var inbound = await driver.ReceiveAsync("/help", user: "risky-" + Guid.NewGuid().ToString("N"));
        using var scope = app.Services.CreateScope();
        var plans = scope.ServiceProvider.GetRequiredService<TradePlanService>();

        var tooBig = await plans.ProposeAsync(inbound.UserId, inbound.ThreadId, inbound.ConversationId, inbound.InboxId, 0, [Limit("AAPL", 5000)], "Too big", Guid.CreateVersion7(), default);
        Assert.Null(tooBig.Plan);
        Assert.Contains(tooBig.Verdict.Refusals, r => r.Contains("per order", StringComparison.Ordinal));

        var market = await plans.ProposeAsync(inbound.UserId, inbound.ThreadId, inbound.ConversationId, inbound.InboxId, 1,
            [new OrderRequest("AAPL", OrderSide.Buy, 1, OrderType.Market, null)], "Market", Guid.CreateVersion7(), default);
        Assert.Contains(market.Verdict.Refusals, r => r.Contains("market orders are off", StringComparison.Ordinal));

        var unknown = await plans.ProposeAsync(inbound.UserId, inbound.ThreadId, inbound.ConversationId, inbound.InboxId, 2,
            [new OrderRequest("ZZZZZZ1", OrderSide.Buy, 1, OrderType.Limit, 10)], "Unknown", Guid.CreateVersion7(), default);
        Assert.Null(unknown.Plan);
        Assert.Equal(0, await app.Database.CountAsync("SELECT count(*) FROM trade_plans WHERE owner_user_id = $1", inbound.UserId));
    }

    [Fact]
    public async Task An_execution_interrupted_by_a_crash_is_finished_once_by_the_sweeper()
    {
        var (plan, _) = await ProposeAsync(Limit("MSFT", 2), Limit("NVDA", 3));
        // The state a crash leaves: approved and sending, the first order already at the broker, the lease run out.
        await app.Database.ScalarAsync<int>("UPDATE trade_plans SET status = 'Submitting', decided_at = now(), execution_lease_until = now() - interval '1 second' WHERE id = $1", plan.Id);
        using (var scope = app.Services.CreateScope())
        {
            var broker = scope.ServiceProvider.GetRequiredService<IBrokerProvider>();
            var first = plan.Orders.OrderBy(o => o.Position).First();
            await broker.PlaceOrderAsync(plan.OwnerUserId, first.Id.ToString("N"), new OrderRequest(first.Symbol, OrderSide.Buy, first.Quantity, OrderType.Limit, first.LimitPrice), default);
        }

        await app.Services.GetRequiredService<TradePlanSweeper>().SweepAsync(default);
        await app.Services.GetRequiredService<TradePlanSweeper>().SweepAsync(default);

        Assert.Equal("Filled", await StatusAsync(plan));
        Assert.Equal(2, await BrokerOrdersAsync(plan));
        Assert.Equal(1, await app.Database.CountAsync("SELECT count(*) FROM outbox WHERE thread_id = $1 AND payload->>'kind' = 'update'", plan.ThreadId));
    }

    [Fact]
    public async Task The_card_of_a_proposed_plan_has_buttons_and_a_decided_one_has_none()
    {
        var (plan, owner) = await ProposeAsync();
        var proposed = PlanCards.Build(plan, isPaper: true);
        Assert.Equal(["plan.approve", "plan.decline"], proposed.Buttons.Select(a => a.Verb));
        Assert.Equal($"approve {plan.ShortId} {plan.SnapshotHash}", proposed.Buttons[0].Arguments);

        var decided = (await DecideAsync(plan, owner)).Plan!;
        var card = PlanCards.Build(decided, isPaper: true);
        Assert.Empty(card.Buttons);
        Assert.Contains("Filled at the paper broker", card.Outcome, StringComparison.Ordinal);
        _ = new OutgoingMessage { Card = card };
    }
}
