using System.Globalization;
using System.Text.Json;
using Bot.Pipeline.Model;
using Bot.Storage.Entities;

namespace Bot.Finance.Trading;

/// <summary>Turns a stored plan into the channel-neutral card (its Markdown fallback is <see cref="CardMarkdown"/>).</summary>
public static class PlanCards
{
    public const string Command = "/plan";

    public static Card Build(TradePlan plan, bool isPaper)
    {
        var orders = plan.Orders.OrderBy(o => o.Position).ToList();
        var buttons = plan.Status == TradePlanStatus.Proposed
            ? new List<CardButton>
            {
                new("Approve", "plan.approve", Command, $"approve {plan.ShortId} {plan.SnapshotHash}", Destructive: false,
                    Confirm: $"Send {orders.Count} order{(orders.Count == 1 ? "" : "s")} to the {plan.Broker}{(isPaper ? " (paper, no real money)" : " — real money")}?"),
                new("Decline", "plan.decline", Command, $"decline {plan.ShortId} {plan.SnapshotHash}", Destructive: true),
            }
            : [];
        return new Card
        {
            Key = "plan:" + plan.ShortId,
            Title = $"Trade plan: {string.Join(", ", orders.Select(o => string.Create(CultureInfo.InvariantCulture, $"{o.Side.ToLowerInvariant()} {o.Quantity:0.######} {o.Symbol}")))}",
            Status = StatusLabel(plan.Status),
            Labels = [plan.Broker + (isPaper ? " (paper, no real money)" : ""), "plan " + plan.ShortId],
            Items = orders.Select(o => Result(o) is { } result ? $"{Describe(o)} — {result}" : Describe(o)).ToList(),
            Body = plan.Rationale,
            Notes = (JsonSerializer.Deserialize<List<string>>(plan.RiskNotes) ?? []).Select(note => "Risk note: " + note).ToList(),
            Footer = plan.Status == TradePlanStatus.Proposed
                ? string.Create(CultureInfo.InvariantCulture, $"Expires {plan.ExpiresAt.ToUniversalTime():HH:mm} UTC. Nothing is sent to the broker until you approve.")
                : null,
            Outcome = plan.Status == TradePlanStatus.Proposed ? null : plan.Outcome ?? StatusLabel(plan.Status),
            Buttons = buttons,
        };
    }

    /// <summary>One order line: <c>BUY 5 AAPL limit 190.00 (day) ≈ 950.00 USD</c>.</summary>
    public static string Describe(TradePlanOrder order)
    {
        var notional = decimal.Round(order.Quantity * (order.LimitPrice ?? order.ProposalPrice), 2, MidpointRounding.AwayFromZero);
        return string.Create(CultureInfo.InvariantCulture,
            $"{order.Side.ToUpperInvariant()} {order.Quantity:0.######} {order.Symbol} {(order.LimitPrice is { } limit ? $"limit {limit:0.00}" : "market")} ({order.TimeInForce.ToLowerInvariant()}) ≈ {notional:N2} USD");
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
