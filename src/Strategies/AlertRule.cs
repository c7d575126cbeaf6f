namespace Bot.Strategies;

/// <summary>What one check of an alert found.</summary>
public readonly record struct AlertCheck(bool Fires, bool Armed, decimal? MovePercent);

/// <summary>
/// When an alert fires: once per crossing. An armed alert fires when the price is at or across the threshold and
/// disarms; it re-arms only when the price is back on the near side by more than the hysteresis band
/// (<c>Strategies:HysteresisPercent</c>, of the threshold; for moves, in points of the move), so a price hovering at
/// the threshold fires once, not at every check. A move alert measures from the day's open and re-arms each day.
/// </summary>
public static class AlertRule
{
    public static AlertCheck Check(AlertSpec alert, bool armed, decimal price, decimal? dayOpen, decimal hysteresisPercent)
    {
        var band = hysteresisPercent / 100m;
        switch (alert.Condition)
        {
            case AlertCondition.Below:
                return price <= alert.Threshold
                    ? new AlertCheck(armed, false, null)
                    : new AlertCheck(false, armed || price >= alert.Threshold * (1 + band), null);
            case AlertCondition.Above:
                return price >= alert.Threshold
                    ? new AlertCheck(armed, false, null)
                    : new AlertCheck(false, armed || price <= alert.Threshold * (1 - band), null);
            default:
                if (dayOpen is not > 0)
                {
                    return new AlertCheck(false, armed, null);
                }
                var move = (price - dayOpen.Value) / dayOpen.Value * 100m;
                return Math.Abs(move) >= alert.Threshold
                    ? new AlertCheck(armed, false, move)
                    : new AlertCheck(false, armed || Math.Abs(move) <= alert.Threshold - Math.Min(hysteresisPercent, alert.Threshold / 2), move);
        }
    }
}
