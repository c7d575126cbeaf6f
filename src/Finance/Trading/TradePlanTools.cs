using System.ComponentModel;
using Bot.Finance.Broker;
using Bot.Agent.Tools;
using Microsoft.Extensions.AI;

namespace Bot.Finance.Trading;

/// <summary>One order as the model describes it.</summary>
public sealed record PlannedOrder(
    [property: Description("Ticker symbol, e.g. AAPL")] string Symbol,
    [property: Description("buy or sell")] string Side,
    [property: Description("Number of shares")] decimal Quantity,
    [property: Description("Limit price; required unless the operator allows market orders")] decimal? LimitPrice,
    [property: Description("day (default) or gtc")] string? TimeInForce);

/// <summary><c>propose_trade_plan</c>: the model's only way towards a trade, and it stops at the user's button.</summary>
public sealed class TradePlanTools(PlanProposer proposer) : IToolProvider
{
    public IEnumerable<AIFunction> GetTools(ToolContext context)
    {
        yield return AIFunctionFactory.Create(
            async ([Description("The orders of the plan (at most 10).")] PlannedOrder[] orders,
                   [Description("Why these orders, in one or two sentences the user will read on the card.")] string rationale,
                   CancellationToken cancellationToken) =>
            {
                var requests = new List<OrderRequest>();
                foreach (var order in orders ?? [])
                {
                    if (!Enum.TryParse<OrderSide>(order.Side, ignoreCase: true, out var side))
                    {
                        return (object)new ToolError($"Side must be buy or sell, not '{order.Side}'.");
                    }
                    var tif = string.Equals(order.TimeInForce, "gtc", StringComparison.OrdinalIgnoreCase) ? TimeInForce.Gtc : TimeInForce.Day;
                    requests.Add(new OrderRequest(order.Symbol.Trim().ToUpperInvariant(), side, order.Quantity,
                        order.LimitPrice is null ? OrderType.Market : OrderType.Limit, order.LimitPrice, tif));
                }
                var result = await proposer.ProposeAndShowAsync(context.Turn, requests, rationale, cancellationToken);
                return result.Plan is { } plan
                    ? new
                    {
                        plan = plan.ShortId,
                        status = "proposed",
                        expiresAt = plan.ExpiresAt,
                        riskNotes = result.Verdict.Notes,
                        note = "The user now sees the plan with Approve and Decline buttons. Nothing is executed unless they press Approve; do not claim the trade happened.",
                    }
                    : new ToolError(PlanProposer.Refusal(result));
            },
            "propose_trade_plan",
            "Proposes a trade plan (one or more orders with a rationale) that the user approves or declines with a button. This never executes anything itself.");
    }
}
