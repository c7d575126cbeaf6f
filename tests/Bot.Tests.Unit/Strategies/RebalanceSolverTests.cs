using Bot.Finance.Broker;
using Bot.Strategies;

namespace Bot.Tests.Unit.Strategies;

/// <summary>The rebalancing arithmetic on tricky portfolios: cash short, limits binding, fractional targets.</summary>
public class RebalanceSolverTests
{
    private static Holding H(string symbol, decimal shares, decimal last) => new(symbol, shares, last, last - 0.01m, last + 0.01m);

    private static readonly TargetWeight[] SixtyForty = [new("VTI", 60), new("BND", 40)];

    private static readonly RebalanceLimits Plenty = new(Cash: 100_000, MaxOrderNotional: 10_000, DailyNotionalLeft: 25_000);

    /// <summary>Every weight after the proposal, recomputed here from the orders (not from the solver's table).</summary>
    private static Dictionary<string, decimal> WeightsAfter(IReadOnlyList<Holding> holdings, RebalanceProposal proposal)
    {
        var shares = holdings.ToDictionary(h => h.Symbol, h => h.Shares);
        foreach (var order in proposal.Orders)
        {
            shares[order.Symbol] += order.Side == OrderSide.Buy ? order.Quantity : -order.Quantity;
        }
        var total = holdings.Sum(h => shares[h.Symbol] * h.Last);
        return holdings.ToDictionary(h => h.Symbol, h => shares[h.Symbol] * h.Last / total * 100);
    }

    [Fact]
    public void Inside_the_tolerance_nothing_is_proposed()
    {
        var proposal = RebalanceSolver.Solve([H("VTI", 23, 260), H("BND", 55, 72)], SixtyForty, 5, Plenty);
        Assert.True(proposal.InToleranceNow);
        Assert.Empty(proposal.Orders);
    }

    [Fact]
    public void One_order_suffices_when_one_does()
    {
        // VTI 7,800 / BND 2,880: VTI at 73 %. Either a sale of VTI or a purchase of BND fixes it alone.
        Holding[] holdings = [H("VTI", 30, 260), H("BND", 40, 72)];
        var proposal = RebalanceSolver.Solve(holdings, SixtyForty, 5, Plenty);
        var order = Assert.Single(proposal.Orders);
        Assert.True(proposal.InToleranceAfter);
        Assert.All(WeightsAfter(holdings, proposal), w => Assert.InRange(w.Value, SixtyForty.Single(t => t.Symbol == w.Key).Percent - 5, SixtyForty.Single(t => t.Symbol == w.Key).Percent + 5));
        // Of the two single orders, the one trading less value: buying 32 BND (≈2,304) rather than selling 13 VTI (≈3,380).
        Assert.Equal(("BND", OrderSide.Buy, 32m), (order.Symbol, order.Side, order.Quantity));
        Assert.Equal(72.01m, order.LimitPrice);
    }

    [Fact]
    public void With_no_cash_the_sale_does_it()
    {
        Holding[] holdings = [H("VTI", 30, 260), H("BND", 40, 72)];
        var proposal = RebalanceSolver.Solve(holdings, SixtyForty, 5, Plenty with { Cash = 0 });
        var order = Assert.Single(proposal.Orders);
        Assert.Equal(("VTI", OrderSide.Sell, 13m), (order.Symbol, order.Side, order.Quantity));
        Assert.Equal(259.99m, order.LimitPrice);
        Assert.True(proposal.InToleranceAfter);
    }

    [Fact]
    public void When_the_per_order_limit_binds_it_steps_towards_the_target_and_says_so()
    {
        // 80/20 at 50,000: every fix needs an order far above 1,000 USD.
        Holding[] holdings = [H("VTI", 154, 260), H("BND", 139, 72)];
        var proposal = RebalanceSolver.Solve(holdings, SixtyForty, 2, Plenty with { MaxOrderNotional = 1_000, Cash = 0 });
        Assert.False(proposal.InToleranceAfter);
        Assert.Contains(proposal.LimitNotes, n => n.Contains("above the per-order limit of 1,000.00 USD", StringComparison.Ordinal));
        Assert.NotEmpty(proposal.Orders);
        Assert.All(proposal.Orders, o => Assert.True(o.Quantity * o.LimitPrice!.Value <= 1_000m, $"{o.Symbol} order of {o.Quantity * o.LimitPrice} USD"));
        Assert.Equal(OrderSide.Sell, proposal.Orders[0].Side); // sells first
        var before = 154 * 260m / (154 * 260m + 139 * 72m) * 100;
        Assert.True(WeightsAfter(holdings, proposal)["VTI"] < before, "the step moves towards the target");
    }

    [Fact]
    public void The_daily_limit_and_the_cash_are_both_respected()
    {
        Holding[] holdings = [H("VTI", 10, 260), H("BND", 200, 72)];
        var proposal = RebalanceSolver.Solve(holdings, SixtyForty, 5, new RebalanceLimits(Cash: 0, MaxOrderNotional: 50_000, DailyNotionalLeft: 3_000));
        Assert.Contains(proposal.LimitNotes, n => n.Contains("left of today's limit", StringComparison.Ordinal));
        Assert.True(proposal.Orders.Sum(o => o.Quantity * o.LimitPrice!.Value) <= 3_000m);
        Assert.True(proposal.BuyCost <= proposal.SellProceeds, "with no cash the buys must be paid by the sells");
    }

    [Fact]
    public void Fractional_targets_over_three_symbols_end_inside_a_tight_tolerance()
    {
        TargetWeight[] targets = [new("VTI", 33.3m), new("BND", 33.3m), new("VXUS", 33.4m)];
        Holding[] holdings = [H("VTI", 100, 260), H("BND", 10, 72), H("VXUS", 50, 60.37m)];
        var proposal = RebalanceSolver.Solve(holdings, targets, 1, Plenty with { MaxOrderNotional = 100_000, DailyNotionalLeft = 100_000 });
        Assert.True(proposal.InToleranceAfter);
        foreach (var (symbol, weight) in WeightsAfter(holdings, proposal))
        {
            Assert.InRange(weight, targets.Single(t => t.Symbol == symbol).Percent - 1, targets.Single(t => t.Symbol == symbol).Percent + 1);
        }
        Assert.True(proposal.Orders.Count <= 3);
    }

    [Fact]
    public void Holding_none_of_the_symbols_proposes_nothing_and_says_why()
    {
        var proposal = RebalanceSolver.Solve([H("VTI", 0, 260), H("BND", 0, 72)], SixtyForty, 5, Plenty);
        Assert.Empty(proposal.Orders);
        Assert.Contains("hold none of these symbols", Assert.Single(proposal.LimitNotes), StringComparison.Ordinal);
    }
}
