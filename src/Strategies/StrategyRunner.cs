using System.Globalization;
using System.Text;
using Bot.Finance.Broker;
using Bot.Finance.Trading;
using Bot.Pipeline;
using Bot.Storage;
using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Bot.Strategies;

/// <summary>
/// What a firing (or a person's <c>/rebalance now</c> or <c>/strategies run CODE</c>) does in its turn: a short report
/// (price, position, drift table, what it proposes and why) and, where an order is warranted, a trade plan through the
/// ordinary plan lifecycle (<see cref="PlanProposer"/>: risk checks before the card is shown and again on approval;
/// nothing is sent to the broker until the owner approves). The outcome is recorded on the instruction.
/// </summary>
public sealed class StrategyRunner(
    IBrokerProvider broker,
    PlanProposer proposer,
    StrategyStore store,
    BotDbContext db,
    IOptions<TradingOptions> trading,
    TimeProvider clock)
{
    private static readonly TradePlanStatus[] Committed =
        [TradePlanStatus.Approved, TradePlanStatus.Submitting, TradePlanStatus.Submitted, TradePlanStatus.Filled, TradePlanStatus.PartiallyFilled];

    public async Task RunAsync(TurnContext turn, Strategy strategy, CancellationToken cancellationToken)
    {
        var head = $"**{strategy.Title}** `#{strategy.Code}`\n\n";
        try
        {
            switch (strategy.Spec.Kind)
            {
                case StrategyKind.Alert:
                    await AlertAsync(turn, strategy, head, cancellationToken);
                    break;
                case StrategyKind.Dca:
                    await DcaAsync(turn, strategy, head, cancellationToken);
                    break;
                default:
                    await RebalanceAsync(turn, strategy, head, cancellationToken);
                    break;
            }
        }
        catch (UnknownSymbolException exception)
        {
            turn.Reply(head + $"The {broker.SourceName} knows no instrument called {exception.Message}; nothing was proposed.");
            await store.RecordOutcomeAsync(strategy.Id, "Failed: unknown symbol", null, turn.Thread.Id, cancellationToken);
        }
    }

    private async Task AlertAsync(TurnContext turn, Strategy strategy, string head, CancellationToken cancellationToken)
    {
        var alert = strategy.Spec.Alert!;
        var quote = await broker.GetQuoteAsync(alert.Symbol, cancellationToken);
        var price = StrategyEvaluator.Last(quote, alert.Symbol);
        var text = new StringBuilder(head);
        text.Append(Inv($"{alert.Symbol} is at **{price:0.00}** now (bid {quote.Bid:0.00}, ask {quote.Ask:0.00}). "));
        text.Append(alert.Condition switch
        {
            AlertCondition.Moves when strategy.RefPrice is { } open => Inv($"The day opened at {open:0.00}: a move of {(price - open) / open * 100:+0.00;-0.00}% against your {alert.Threshold:0.##}%. "),
            AlertCondition.Moves => "",
            var c => Inv($"Your threshold: {c.ToString().ToLowerInvariant()} {alert.Threshold:0.00}. "),
        });
        if (strategy.LastOutcome is { } outcome && outcome.StartsWith("Fired", StringComparison.Ordinal))
        {
            text.Append(outcome).Append(". ");
        }
        text.Append("\n\n").Append(await PositionLineAsync(turn.UserId, alert.Symbol, price, cancellationToken));
        if (alert.Side is { } side && alert.Quantity is { } quantity)
        {
            var limit = (side == OrderSide.Buy ? quote.Ask : quote.Bid) ?? price;
            text.Append(Inv($"\n\nAs you asked, I propose to {side.ToString().ToLowerInvariant()} {quantity:0.######} {alert.Symbol} at a limit of {limit:0.00} (the {(side == OrderSide.Buy ? "ask" : "bid")}). It fires again after the price has gone back across the threshold."));
            turn.Reply(text.ToString());
            await ProposeAsync(turn, strategy, [new OrderRequest(alert.Symbol, side, quantity, OrderType.Limit, limit)],
                Inv($"Your alert `#{strategy.Code}` fired ({alert.Symbol} at {price:0.00}), and you asked for this order when it did."), cancellationToken);
            return;
        }
        text.Append("\n\nThis alert only tells you; it proposes no order (add `buy 5` or `sell 5` to an alert for that). Use `/buy` or `/sell` to act on it. It fires again after the price has gone back across the threshold.");
        turn.Reply(text.ToString());
        await store.RecordOutcomeAsync(strategy.Id, strategy.LastOutcome?.StartsWith("Fired", StringComparison.Ordinal) == true ? strategy.LastOutcome + "; reported" : Inv($"Reported: {alert.Symbol} at {price:0.00}"), null, turn.Thread.Id, cancellationToken);
    }

    private async Task DcaAsync(TurnContext turn, Strategy strategy, string head, CancellationToken cancellationToken)
    {
        var dca = strategy.Spec.Dca!;
        var quote = await broker.GetQuoteAsync(dca.Symbol, cancellationToken);
        var ask = quote.Ask ?? StrategyEvaluator.Last(quote, dca.Symbol);
        var size = DcaSizer.Size(dca.Amount, ask);
        var cash = await broker.GetCashAsync(turn.UserId, cancellationToken);
        var text = new StringBuilder(head);
        text.Append(Inv($"{dca.Symbol} ask **{ask:0.00}**. "));
        text.Append(await PositionLineAsync(turn.UserId, dca.Symbol, StrategyEvaluator.Last(quote, dca.Symbol), cancellationToken)).Append("\n\n");
        if (size.Shares == 0)
        {
            text.Append(Inv($"One share with its commission costs more than {dca.Amount:N2} USD, so there is nothing to buy this time; the {dca.Amount:N2} USD stay in cash."));
            turn.Reply(text.ToString());
            await store.RecordOutcomeAsync(strategy.Id, "No order: one share costs more than the amount", null, turn.Thread.Id, cancellationToken);
            return;
        }
        text.Append(Inv($"Proposing to buy **{size.Shares:0} {dca.Symbol}** at a limit of {size.LimitPrice:0.00}: {size.Cost:N2} USD plus about {size.Commission:N2} USD commission, whole shares only, so **{size.CashLeft:N2} USD** of the {dca.Amount:N2} USD is left in cash."));
        if (cash is { } available && size.Cost + size.Commission > available)
        {
            text.Append(Inv($"\n\nThe account has {available:N2} USD of cash, not enough for this buy, so nothing is proposed."));
            turn.Reply(text.ToString());
            await store.RecordOutcomeAsync(strategy.Id, "No order: not enough cash", null, turn.Thread.Id, cancellationToken);
            return;
        }
        turn.Reply(text.ToString());
        var rationale = Inv($"Your recurring buy `#{strategy.Code}`: {dca.Amount:N2} USD of {dca.Symbol} {StrategySpec.CadenceText(dca)}; {size.Shares:0} whole shares at the ask, {size.CashLeft:N2} USD left over.");
        await ProposeAsync(turn, strategy, [new OrderRequest(dca.Symbol, OrderSide.Buy, size.Shares, OrderType.Limit, size.LimitPrice)], rationale, cancellationToken);
    }

    private async Task RebalanceAsync(TurnContext turn, Strategy strategy, string head, CancellationToken cancellationToken)
    {
        var spec = strategy.Spec.Rebalance!;
        var proposal = await SolveAsync(turn.UserId, spec, cancellationToken);
        var text = new StringBuilder(head);
        text.Append(Inv($"Targets are shares of these symbols' combined value; tolerance ±{spec.Tolerance:0.##} pts; other holdings are left alone.\n\n"));
        foreach (var row in proposal.Table)
        {
            text.Append(Inv($"- **{row.Symbol}**: target {row.Target:0.##}%, now {row.Weight:0.0}% ({row.Drift:+0.0;-0.0;0.0} pts), {row.Shares:0.####} sh ≈ {row.Value:N2} USD"));
            if (row.SharesAfter != row.Shares)
            {
                text.Append(Inv($" → {row.SharesAfter:0.####} sh, {row.WeightAfter:0.0}%"));
            }
            text.Append('\n');
        }
        text.Append('\n');
        if (proposal.InToleranceNow)
        {
            text.Append("Every weight is inside the tolerance: no order is needed.");
            turn.Reply(text.ToString());
            await store.RecordOutcomeAsync(strategy.Id, "Checked: inside the tolerance", null, turn.Thread.Id, cancellationToken);
            return;
        }
        foreach (var note in proposal.LimitNotes)
        {
            text.Append(note).Append('\n');
        }
        if (proposal.Orders.Count == 0)
        {
            text.Append("\nNo order is proposed.");
            turn.Reply(text.ToString());
            await store.RecordOutcomeAsync(strategy.Id, "No order: " + string.Join(" ", proposal.LimitNotes), null, turn.Thread.Id, cancellationToken);
            return;
        }
        var why = proposal.InToleranceAfter
            ? Inv($"The fewest orders ({proposal.Orders.Count}) that bring every weight back inside ±{spec.Tolerance:0.##} pts, sells first so they pay for the buys.")
            : "These orders go as far towards the targets as the limits above allow; they do not bring every weight inside the tolerance.";
        text.Append(proposal.LimitNotes.Count > 0 ? "\n" : "").Append(why);
        turn.Reply(text.ToString());
        await ProposeAsync(turn, strategy, proposal.Orders, $"Your rebalancing `#{strategy.Code}`: {why}", cancellationToken);
    }

    /// <summary>The rebalancing proposal for the user's holdings of the named symbols, at today's prices and within today's limits.</summary>
    public async Task<RebalanceProposal> SolveAsync(Guid userId, RebalanceSpec spec, CancellationToken cancellationToken)
    {
        var positions = await broker.GetPositionsAsync(userId, cancellationToken);
        var holdings = new List<Holding>();
        foreach (var target in spec.Targets)
        {
            var quote = await broker.GetQuoteAsync(target.Symbol, cancellationToken);
            var last = StrategyEvaluator.Last(quote, target.Symbol);
            var shares = positions.Where(p => p.Symbol == target.Symbol).Sum(p => p.Quantity);
            holdings.Add(new Holding(target.Symbol, shares, last, quote.Bid ?? last, quote.Ask ?? last));
        }
        var limits = trading.Value;
        var cash = await broker.GetCashAsync(userId, cancellationToken) ?? 0m;
        return RebalanceSolver.Solve(holdings, spec.Targets, spec.Tolerance,
            new RebalanceLimits(cash, limits.MaxOrderNotional, limits.MaxDailyNotional - await CommittedTodayAsync(userId, cancellationToken)));
    }

    /// <summary>The value of the user's orders approved today (UTC), as the daily limit counts it.</summary>
    private async Task<decimal> CommittedTodayAsync(Guid userId, CancellationToken cancellationToken)
    {
        var dayStart = new DateTimeOffset(clock.GetUtcNow().UtcDateTime.Date, TimeSpan.Zero);
        return await db.TradePlans.AsNoTracking()
            .Where(p => p.OwnerUserId == userId && p.DecidedAt >= dayStart && Committed.Contains(p.Status))
            .SelectMany(p => p.Orders)
            .SumAsync(o => o.Quantity * (o.AveragePrice ?? o.LimitPrice ?? o.ProposalPrice), cancellationToken);
    }

    private async Task ProposeAsync(TurnContext turn, Strategy strategy, IReadOnlyList<OrderRequest> orders, string rationale, CancellationToken cancellationToken)
    {
        var result = await proposer.ProposeAndShowAsync(turn, orders, rationale, cancellationToken);
        if (result.Plan is { } plan)
        {
            await store.RecordOutcomeAsync(strategy.Id, $"Proposed plan {plan.ShortId}", plan.ShortId, turn.Thread.Id, cancellationToken);
            return;
        }
        var refusal = PlanProposer.Refusal(result);
        turn.Reply(refusal);
        await store.RecordOutcomeAsync(strategy.Id, "Refused by the risk checks: " + refusal, null, turn.Thread.Id, cancellationToken);
    }

    private async Task<string> PositionLineAsync(Guid userId, string symbol, decimal price, CancellationToken cancellationToken)
    {
        var held = (await broker.GetPositionsAsync(userId, cancellationToken)).Where(p => p.Symbol == symbol).Sum(p => p.Quantity);
        return held == 0 ? $"You hold no {symbol}." : Inv($"You hold {held:0.####} {symbol} (≈{held * price:N2} USD).");
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
