using System.Globalization;
using System.Text;
using System.Text.Json;
using Bot.Pipeline.Model;
using Bot.Storage.Entities;

namespace Bot.Finance.Trading;

/// <summary>Turns a stored plan into the channel-neutral card and its Markdown fallback.</summary>
public static class PlanCards
{
    public const string Command = "/plan";

    public static PlanCard Build(TradePlan plan, bool isPaper)
    {
        var orders = plan.Orders.OrderBy(o => o.Position).Select(o => new PlanCardOrder(
            o.Side, o.Symbol, o.Quantity, o.OrderType, o.LimitPrice, o.TimeInForce,
            decimal.Round(o.Quantity * (o.LimitPrice ?? o.ProposalPrice), 2, MidpointRounding.AwayFromZero),
            Result(o))).ToList();
        var actions = plan.Status == TradePlanStatus.Proposed
            ? new List<PlanCardAction>
            {
                new("Approve", "approve", Command, $"approve {plan.ShortId} {plan.SnapshotHash}", Destructive: false,
                    Confirm: $"Send {orders.Count} order{(orders.Count == 1 ? "" : "s")} to the {plan.Broker}{(isPaper ? " (paper, no real money)" : " — real money")}?"),
                new("Decline", "decline", Command, $"decline {plan.ShortId} {plan.SnapshotHash}", Destructive: true, Confirm: null),
            }
            : [];
        return new PlanCard(
            plan.ShortId,
            $"Trade plan: {string.Join(", ", orders.Select(o => $"{o.Side.ToLowerInvariant()} {o.Quantity:0.######} {o.Symbol}"))}",
            StatusLabel(plan.Status),
            orders,
            plan.Rationale,
            JsonSerializer.Deserialize<List<string>>(plan.RiskNotes) ?? [],
            plan.ExpiresAt,
            plan.Broker,
            isPaper,
            actions,
            plan.Status == TradePlanStatus.Proposed ? null : plan.Outcome ?? StatusLabel(plan.Status));
    }

    public static string Markdown(PlanCard card)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"**{card.Title}** — {card.Status} ({card.Broker}{(card.IsPaper ? ", paper" : "")}, plan `{card.ShortId}`)\n\n");
        foreach (var order in card.Orders)
        {
            text.Append(CultureInfo.InvariantCulture, $"- {order.Describe()}{(order.Result is { } r ? $" — {r}" : "")}\n");
        }
        text.Append('\n').Append(card.Rationale).Append('\n');
        foreach (var note in card.RiskNotes)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n_Risk note: {note}_");
        }
        text.Append("\n\n").Append(card.Outcome ?? $"Expires {card.ExpiresAt.ToUniversalTime():HH:mm} UTC. Nothing is sent to the broker until you approve.");
        return text.ToString().TrimEnd();
    }

    public static string StatusLabel(TradePlanStatus status) => status switch
    {
        TradePlanStatus.Proposed => "Waiting for your approval",
        TradePlanStatus.Approved => "Approved",
        TradePlanStatus.Submitting => "Sending to the broker",
        TradePlanStatus.Submitted => "Sent; waiting for fills",
        TradePlanStatus.Filled => "Filled",
        TradePlanStatus.PartiallyFilled => "Partly filled",
        TradePlanStatus.Rejected => "Rejected by the broker",
        TradePlanStatus.Failed => "Failed",
        TradePlanStatus.Declined => "Declined",
        TradePlanStatus.Expired => "Expired",
        _ => status.ToString(),
    };

    private static string? Result(TradePlanOrder order) => order.Status switch
    {
        PlanOrderStatus.Pending => null,
        PlanOrderStatus.Filled => string.Create(CultureInfo.InvariantCulture, $"filled {order.FilledQuantity:0.######} at {order.AveragePrice:0.00}"),
        PlanOrderStatus.PartiallyFilled => string.Create(CultureInfo.InvariantCulture, $"partly filled: {order.FilledQuantity:0.######} at {order.AveragePrice:0.00}"),
        PlanOrderStatus.Working or PlanOrderStatus.Submitted => "working at the broker",
        _ => $"{order.Status.ToString().ToLowerInvariant()}{(order.Message is { Length: > 0 } m ? ": " + m : "")}",
    };
}
