using System.Globalization;
using Bot.Finance.Broker;
using Bot.Storage;
using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Bot.Finance.Trading;

/// <summary>An order with the market price it was judged at.</summary>
public sealed record PricedOrder(OrderRequest Order, decimal MarketPrice)
{
    public decimal Notional => decimal.Round(Order.Quantity * (Order.LimitPrice ?? MarketPrice), 2, MidpointRounding.AwayFromZero);

    public string Label => string.Create(CultureInfo.InvariantCulture, $"{Order.Side.ToString().ToUpperInvariant()} {Order.Quantity:0.######} {Order.Symbol}");
}

/// <summary>What the checks found: refusals (the plan cannot go ahead, each in plain words) and notes (it can, with care).</summary>
public sealed record RiskVerdict(IReadOnlyList<string> Refusals, IReadOnlyList<string> Notes)
{
    public bool Passed => Refusals.Count == 0;
}

/// <summary>
/// The risk checks of DESIGN.md, run when a plan is proposed and again when it is approved: kill switch, symbol
/// allowlist, limit orders by default, per-order and per-day notional, and (at approval) price drift since proposal.
/// </summary>
public sealed class RiskChecks(BotDbContext db, IOptions<TradingOptions> options, TimeProvider clock)
{
    private static readonly TradePlanStatus[] Committed =
        [TradePlanStatus.Approved, TradePlanStatus.Submitting, TradePlanStatus.Submitted, TradePlanStatus.Filled, TradePlanStatus.PartiallyFilled];

    public async Task<RiskVerdict> CheckAsync(Guid userId, IReadOnlyList<PricedOrder> orders, IReadOnlyList<decimal>? proposalPrices, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        var refusals = new List<string>();
        var notes = new List<string>();
        if (limits.KillSwitch)
        {
            refusals.Add("Trading is switched off by the operator (Trading:KillSwitch), so no plan can be proposed or approved.");
            return new RiskVerdict(refusals, notes);
        }
        var allowed = limits.AllowedSymbolSet;
        for (var i = 0; i < orders.Count; i++)
        {
            var (order, market) = (orders[i].Order, orders[i].MarketPrice);
            var label = orders[i].Label;
            if (OrderChecks.Problem(order) is { } problem)
            {
                refusals.Add($"{label}: {problem}");
                continue;
            }
            if (allowed.Count > 0 && !allowed.Contains(order.Symbol))
            {
                refusals.Add($"{label}: {order.Symbol} is not on the list of symbols that may be traded ({string.Join(", ", allowed.Order(StringComparer.Ordinal))}).");
            }
            if (order.Type == OrderType.Market && !limits.AllowMarketOrders)
            {
                refusals.Add($"{label}: market orders are off here; give a limit price (Trading:AllowMarketOrders).");
            }
            if (orders[i].Notional > limits.MaxOrderNotional)
            {
                refusals.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{label} is worth {orders[i].Notional:N2} USD, above the limit of {limits.MaxOrderNotional:N2} USD per order."));
            }
            if (order.LimitPrice is { } limitPrice && market > 0)
            {
                var away = (limitPrice - market) / market * 100;
                var unfavourable = order.Side == OrderSide.Buy ? away > 5 : away < -5;
                var unlikely = order.Side == OrderSide.Buy ? away < -5 : away > 5;
                if (unfavourable)
                {
                    notes.Add(string.Create(CultureInfo.InvariantCulture, $"{label}: the limit {limitPrice:0.00} is {Math.Abs(away):0.0}% {(order.Side == OrderSide.Buy ? "above" : "below")} the market ({market:0.00}); it would fill at the market."));
                }
                else if (unlikely)
                {
                    notes.Add(string.Create(CultureInfo.InvariantCulture, $"{label}: the limit {limitPrice:0.00} is {Math.Abs(away):0.0}% away from the market ({market:0.00}); it may not fill today."));
                }
            }
            if (proposalPrices is not null && proposalPrices[i] > 0)
            {
                var drift = Math.Abs(market - proposalPrices[i]) / proposalPrices[i] * 100;
                if (drift > limits.MaxPriceDriftPercent)
                {
                    refusals.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{order.Symbol} moved {drift:0.0}% since the plan was proposed ({proposalPrices[i]:0.00} → {market:0.00}), more than the {limits.MaxPriceDriftPercent:0.##}% allowed; ask for a new plan at today's price."));
                }
            }
        }

        var planNotional = orders.Sum(o => o.Notional);
        var dayStart = new DateTimeOffset(clock.GetUtcNow().UtcDateTime.Date, TimeSpan.Zero);
        var today = await db.TradePlans.AsNoTracking()
            .Where(p => p.OwnerUserId == userId && p.DecidedAt >= dayStart && Committed.Contains(p.Status))
            .SelectMany(p => p.Orders)
            .SumAsync(o => o.Quantity * (o.AveragePrice ?? o.LimitPrice ?? o.ProposalPrice), cancellationToken);
        if (today + planNotional > limits.MaxDailyNotional)
        {
            refusals.Add(string.Create(CultureInfo.InvariantCulture,
                $"Today's approved orders come to {today:N2} USD; this plan ({planNotional:N2} USD) would pass the daily limit of {limits.MaxDailyNotional:N2} USD."));
        }
        return new RiskVerdict(refusals, notes);
    }
}
