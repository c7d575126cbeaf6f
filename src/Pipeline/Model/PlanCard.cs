namespace Bot.Pipeline.Model;

/// <summary>
/// A trade plan as every channel shows it: each renders this natively (an Adaptive Card, Block Kit, an inline
/// keyboard). <see cref="Actions"/> is empty once the plan is decided: a decided card has no live buttons.
/// </summary>
public sealed record PlanCard(
    string ShortId,
    string Title,
    string Status,
    IReadOnlyList<PlanCardOrder> Orders,
    string Rationale,
    IReadOnlyList<string> RiskNotes,
    DateTimeOffset ExpiresAt,
    string Broker,
    bool IsPaper,
    IReadOnlyList<PlanCardAction> Actions,
    string? Outcome);

/// <summary>One order line: <c>BUY 5 AAPL limit 190.00 (day) ≈ 950.00 USD</c>, with its result once executed.</summary>
public sealed record PlanCardOrder(string Side, string Symbol, decimal Quantity, string Type, decimal? LimitPrice, string TimeInForce, decimal EstimatedNotional, string? Result)
{
    public string Describe() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{Side.ToUpperInvariant()} {Quantity:0.######} {Symbol} {(LimitPrice is { } limit ? $"limit {limit:0.00}" : "market")} ({TimeInForce.ToLowerInvariant()}) ≈ {EstimatedNotional:N2} USD");
}

/// <summary>
/// A button: it runs <see cref="Command"/> with <see cref="Arguments"/> (the plan's short id, the operation and
/// the snapshot hash), as a typed command would. <see cref="Confirm"/> asks before acting where the channel can.
/// </summary>
public sealed record PlanCardAction(string Label, string Operation, string Command, string Arguments, bool Destructive, string? Confirm);
