using System.ComponentModel;
using Bot.Agent.Tools;
using Microsoft.Extensions.AI;

namespace Bot.Strategies;

/// <summary>
/// The model's side of <c>/alert</c>, <c>/dca</c>, <c>/rebalance</c> and <c>/strategies</c>: the same parser and the
/// same service, always for the user of the turn. Creating an instruction never trades: each firing proposes a plan
/// the user approves.
/// </summary>
public sealed class StrategyTools(StrategyService strategies) : IToolProvider
{
    public IEnumerable<AIFunction> GetTools(ToolContext context)
    {
        yield return AIFunctionFactory.Create(
            ([Description("Ticker symbol, e.g. AAPL.")] string symbol,
             [Description("\"below\", \"above\" or \"moves\".")] string condition,
             [Description("The price for below/above; the percentage for moves (from the day's open), e.g. \"3%\".")] string threshold,
             CancellationToken cancellationToken) =>
                CreateAsync(context, StrategyParser.ParseAlert($"{symbol} {condition} {threshold}"), cancellationToken),
            "create_price_alert",
            "Creates a standing price alert: the user is told in a new thread when the price crosses the level (once per crossing), checked during market hours.");

        yield return AIFunctionFactory.Create(
            ([Description("Amount in USD to invest each time.")] decimal amount,
             [Description("Ticker symbol, e.g. VTI.")] string symbol,
             [Description("\"daily\", \"weekly mon\"…\"weekly fri\", or \"monthly 1\"…\"monthly 31\".")] string cadence,
             CancellationToken cancellationToken) =>
                CreateAsync(context, StrategyParser.ParseDca(FormattableString.Invariant($"{amount} {symbol} {cadence}")), cancellationToken),
            "create_recurring_buy",
            "Creates a recurring buy (dollar-cost averaging): each time it is due, a trade plan for whole shares within the amount is proposed for the user to approve.");

        yield return AIFunctionFactory.Create(
            ([Description("Targets as symbol and percent pairs summing to 100, e.g. \"VTI 60 BND 40\".")] string targets,
             [Description("Tolerance in percentage points (default 5).")] decimal? tolerance,
             CancellationToken cancellationToken) =>
                CreateAsync(context, StrategyParser.ParseRebalance(FormattableString.Invariant($"{targets} drift {tolerance ?? StrategyParser.DefaultTolerance}")), cancellationToken),
            "create_rebalancing",
            "Creates a rebalancing instruction, checked weekly: when a weight drifts outside the tolerance, the fewest orders that fix it are proposed for the user to approve.");

        yield return AIFunctionFactory.Create(
            async (CancellationToken cancellationToken) => (await strategies.ListAsync(context.UserId, cancellationToken)).Select(v => new
            {
                id = v.Code,
                v.Strategy.Title,
                state = v.State,
                last_evaluation = v.LastEvaluation,
                last_outcome = v.LastOutcome,
                next_evaluation = v.NextEvaluation,
            }).ToList(),
            "list_strategies",
            "Lists the user's standing instructions (alerts, recurring buys, rebalancing) with their ids, state, last outcome and next evaluation.");

        foreach (var verb in new[] { "pause", "resume", "delete" })
        {
            yield return AIFunctionFactory.Create(
                async ([Description("The instruction's id, as list_strategies gives it.")] string id, CancellationToken cancellationToken) =>
                    (object)new { result = await strategies.ManageAsync(context.UserId, verb, id ?? string.Empty, cancellationToken) },
                verb + "_strategy",
                $"{char.ToUpperInvariant(verb[0])}{verb[1..]}s one of the user's standing instructions (by the id list_strategies gives).");
        }
    }

    private async Task<object> CreateAsync(ToolContext context, (StrategySpec? Spec, string? Error) parsed, CancellationToken cancellationToken)
    {
        if (parsed.Spec is not { } spec)
        {
            return new ToolError(parsed.Error!);
        }
        var (created, price, error) = await strategies.CreateAsync(context.UserId, context.ConversationId, spec, StrategyCommands.SourceKey(context.Turn, spec), cancellationToken);
        return created is null
            ? new ToolError(error!)
            : new { id = created.Code, created.Title, price_now = price, next_evaluation = created.NextEvalAt };
    }
}
