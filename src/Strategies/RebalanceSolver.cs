using System.Globalization;
using Bot.Finance.Broker;

namespace Bot.Strategies;

/// <summary>One named symbol as the solver sees it: shares held and the market (last for valuation, bid and ask for orders).</summary>
public sealed record Holding(string Symbol, decimal Shares, decimal Last, decimal Bid, decimal Ask);

/// <summary>The limits a proposal must respect: cash in the account, the per-order notional, what is left of today's notional.</summary>
public sealed record RebalanceLimits(decimal Cash, decimal MaxOrderNotional, decimal DailyNotionalLeft);

/// <summary>A row of the drift table: now, and after the proposed orders.</summary>
public sealed record DriftRow(string Symbol, decimal Target, decimal Shares, decimal Value, decimal Weight, decimal SharesAfter, decimal WeightAfter)
{
    public decimal Drift => Weight - Target;
}

/// <summary>
/// What the solver proposes: the orders (sells first, as limits at the bid; buys at the ask), the drift table, whether
/// every weight ends inside the tolerance, and, when the limits stop it, why in words.
/// </summary>
public sealed record RebalanceProposal(
    IReadOnlyList<OrderRequest> Orders, IReadOnlyList<DriftRow> Table, bool InToleranceNow, bool InToleranceAfter, IReadOnlyList<string> LimitNotes)
{
    public decimal BuyCost => Orders.Where(o => o.Side == OrderSide.Buy).Sum(o => o.Quantity * o.LimitPrice!.Value);

    public decimal SellProceeds => Orders.Where(o => o.Side == OrderSide.Sell).Sum(o => o.Quantity * o.LimitPrice!.Value);
}

/// <summary>
/// Rebalancing arithmetic. Weights are shares of the named symbols' combined value (other holdings are untouched).
/// The fewest orders: every subset of the symbols is tried, smallest first; trading a subset S sets each of its symbols
/// to its target share of the value the named symbols will have afterwards (when S is all of them, today's value:
/// the sells pay for the buys; otherwise the value the untouched symbols imply), in whole shares rounded to the
/// nearest. A subset qualifies when every weight, recomputed from the rounded shares, is inside the tolerance and the
/// orders fit the cash, the per-order limit and what is left of the daily limit. Among the smallest qualifying subsets
/// the one trading the least value wins. When none qualifies, the all-symbols trade is cut down to fit the limits (a
/// step towards the target) and the notes say which limit stopped it.
/// </summary>
public static class RebalanceSolver
{
    public static RebalanceProposal Solve(IReadOnlyList<Holding> holdings, IReadOnlyList<TargetWeight> targets, decimal tolerance, RebalanceLimits limits)
    {
        var n = targets.Count;
        var held = targets.Select(t => holdings.FirstOrDefault(h => h.Symbol == t.Symbol)
            ?? throw new ArgumentException($"No market for {t.Symbol}.", nameof(holdings))).ToArray();
        var weights = targets.Select(t => t.Percent / 100m).ToArray();
        var value = held.Sum(h => h.Shares * h.Last);
        var none = new decimal[n];
        if (value <= 0)
        {
            return new RebalanceProposal([], Table(held, targets, none), false, false,
                ["You hold none of these symbols yet, so there is nothing to rebalance; buy them first (`/buy` or `/dca`)."]);
        }
        if (InTolerance(held, weights, none, tolerance))
        {
            return new RebalanceProposal([], Table(held, targets, none), true, true, []);
        }

        decimal[]? best = null;
        var bestSize = int.MaxValue;
        var bestTraded = decimal.MaxValue;
        decimal[]? unconstrained = null;
        for (var mask = 1; mask < 1 << n; mask++)
        {
            var size = int.PopCount(mask);
            var trades = Trades(held, weights, mask, value);
            if (trades is null || trades.Count(t => t != 0) != size || !InTolerance(held, weights, trades, tolerance))
            {
                continue;
            }
            if (mask == (1 << n) - 1)
            {
                unconstrained = trades;
            }
            if (Problems(held, trades, limits).Count > 0)
            {
                continue;
            }
            var traded = Traded(held, trades);
            if (size < bestSize || (size == bestSize && traded < bestTraded))
            {
                (best, bestSize, bestTraded) = (trades, size, traded);
            }
        }
        if (best is not null)
        {
            return new RebalanceProposal(Orders(held, best), Table(held, targets, best), false, true, []);
        }

        // Nothing fits the limits: a step towards the target that does, and why it stops short.
        var full = unconstrained ?? Trades(held, weights, (1 << n) - 1, value) ?? none;
        var notes = Problems(held, full, limits);
        if (notes.Count == 0)
        {
            notes.Add("Whole shares cannot bring every weight inside the tolerance at these prices.");
        }
        var partial = FitToLimits(held, full, limits);
        return new RebalanceProposal(Orders(held, partial), Table(held, targets, partial), false, InTolerance(held, weights, partial, tolerance), notes);
    }

    /// <summary>Whole-share trades that set each symbol in the mask to its target; null when the mask cannot balance.</summary>
    private static decimal[]? Trades(Holding[] held, decimal[] weights, int mask, decimal value)
    {
        var all = (1 << held.Length) - 1;
        var untouched = 0m;
        var share = 0m;
        for (var i = 0; i < held.Length; i++)
        {
            if ((mask & (1 << i)) == 0)
            {
                untouched += held[i].Shares * held[i].Last;
            }
            else
            {
                share += weights[i];
            }
        }
        if (mask != all && share >= 1)
        {
            return null;
        }
        var after = mask == all ? value : untouched / (1 - share);
        var trades = new decimal[held.Length];
        for (var i = 0; i < held.Length; i++)
        {
            if ((mask & (1 << i)) != 0)
            {
                trades[i] = decimal.Round(weights[i] * after / held[i].Last - held[i].Shares, 0, MidpointRounding.AwayFromZero);
                if (trades[i] < 0 && -trades[i] > held[i].Shares)
                {
                    trades[i] = -Math.Floor(held[i].Shares);
                }
            }
        }
        return trades;
    }

    private static bool InTolerance(Holding[] held, decimal[] weights, decimal[] trades, decimal tolerance)
    {
        var after = Enumerable.Range(0, held.Length).Sum(i => (held[i].Shares + trades[i]) * held[i].Last);
        return after > 0 && Enumerable.Range(0, held.Length).All(i =>
            Math.Abs((held[i].Shares + trades[i]) * held[i].Last / after - weights[i]) * 100 <= tolerance);
    }

    private static List<string> Problems(Holding[] held, decimal[] trades, RebalanceLimits limits)
    {
        var problems = new List<string>();
        var (buys, sells, total) = (0m, 0m, 0m);
        for (var i = 0; i < held.Length; i++)
        {
            if (trades[i] == 0)
            {
                continue;
            }
            var price = trades[i] > 0 ? held[i].Ask : held[i].Bid;
            var notional = Math.Abs(trades[i]) * price;
            total += notional;
            if (trades[i] > 0)
            {
                buys += notional + OrderChecks.Commission(trades[i], price);
            }
            else
            {
                sells += notional - OrderChecks.Commission(-trades[i], price);
            }
            if (notional > limits.MaxOrderNotional)
            {
                problems.Add(Inv($"{(trades[i] > 0 ? "Buying" : "Selling")} {Math.Abs(trades[i]):0.####} {held[i].Symbol} (≈{notional:N2} USD) is above the per-order limit of {limits.MaxOrderNotional:N2} USD."));
            }
        }
        if (total > limits.DailyNotionalLeft)
        {
            problems.Add(Inv($"The orders come to ≈{total:N2} USD, more than the {limits.DailyNotionalLeft:N2} USD left of today's limit."));
        }
        if (buys - sells > limits.Cash)
        {
            problems.Add(Inv($"The buys need ≈{buys - sells:N2} USD beyond what the sells bring in, and the account has {limits.Cash:N2} USD of cash."));
        }
        return problems;
    }

    /// <summary>Cuts each order to the per-order limit, then all of them to the daily limit, then the buys to the cash (whole shares, towards zero).</summary>
    private static decimal[] FitToLimits(Holding[] held, decimal[] trades, RebalanceLimits limits)
    {
        var fitted = (decimal[])trades.Clone();
        decimal Price(int i) => fitted[i] > 0 ? held[i].Ask : held[i].Bid;
        for (var i = 0; i < held.Length; i++)
        {
            if (fitted[i] != 0 && Math.Abs(fitted[i]) * Price(i) > limits.MaxOrderNotional)
            {
                fitted[i] = Math.Sign(fitted[i]) * Math.Floor(limits.MaxOrderNotional / Price(i));
            }
        }
        var total = Enumerable.Range(0, held.Length).Sum(i => Math.Abs(fitted[i]) * Price(i));
        if (total > limits.DailyNotionalLeft && total > 0)
        {
            var factor = Math.Max(0, limits.DailyNotionalLeft) / total;
            for (var i = 0; i < held.Length; i++)
            {
                fitted[i] = Math.Sign(fitted[i]) * Math.Floor(Math.Abs(fitted[i]) * factor);
            }
        }
        var sells = Enumerable.Range(0, held.Length).Where(i => fitted[i] < 0).Sum(i => -fitted[i] * held[i].Bid - OrderChecks.Commission(-fitted[i], held[i].Bid));
        var buys = Enumerable.Range(0, held.Length).Where(i => fitted[i] > 0).Sum(i => fitted[i] * held[i].Ask + OrderChecks.Commission(fitted[i], held[i].Ask));
        if (buys > 0 && buys > limits.Cash + sells)
        {
            var factor = Math.Max(0, limits.Cash + sells) / buys;
            for (var i = 0; i < held.Length; i++)
            {
                if (fitted[i] > 0)
                {
                    fitted[i] = Math.Floor(fitted[i] * factor);
                }
            }
        }
        return fitted;
    }

    private static decimal Traded(Holding[] held, decimal[] trades) =>
        Enumerable.Range(0, held.Length).Sum(i => Math.Abs(trades[i]) * held[i].Last);

    private static List<OrderRequest> Orders(Holding[] held, decimal[] trades) =>
        Enumerable.Range(0, held.Length).Where(i => trades[i] != 0)
            .OrderBy(i => trades[i] > 0) // sells first: they pay for the buys
            .Select(i => trades[i] > 0
                ? new OrderRequest(held[i].Symbol, OrderSide.Buy, trades[i], OrderType.Limit, held[i].Ask)
                : new OrderRequest(held[i].Symbol, OrderSide.Sell, -trades[i], OrderType.Limit, held[i].Bid))
            .ToList();

    private static List<DriftRow> Table(Holding[] held, IReadOnlyList<TargetWeight> targets, decimal[] trades)
    {
        var now = held.Sum(h => h.Shares * h.Last);
        var after = Enumerable.Range(0, held.Length).Sum(i => (held[i].Shares + trades[i]) * held[i].Last);
        return Enumerable.Range(0, held.Length).Select(i => new DriftRow(
            held[i].Symbol, targets[i].Percent, held[i].Shares, held[i].Shares * held[i].Last,
            now > 0 ? held[i].Shares * held[i].Last / now * 100 : 0,
            held[i].Shares + trades[i],
            after > 0 ? (held[i].Shares + trades[i]) * held[i].Last / after * 100 : 0)).ToList();
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
