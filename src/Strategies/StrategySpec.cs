using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Strategies;

public enum StrategyKind { Alert, Dca, Rebalance }

public enum AlertCondition { Below, Above, Moves }

public enum Cadence { Daily, Weekly, Monthly }

/// <summary>
/// <c>/alert AAPL below 180</c>, <c>above 450</c>, or <c>moves 3%</c> (from the day's open, either way); optionally
/// followed by <c>buy 5</c> or <c>sell 5</c>: the order a firing proposes (as a plan for the owner to approve).
/// </summary>
public sealed record AlertSpec(string Symbol, AlertCondition Condition, decimal Threshold, Bot.Finance.Broker.OrderSide? Side = null, decimal? Quantity = null);

/// <summary><c>/dca 500 VTI monthly 1</c>: <see cref="Day"/> is 1 (Monday) to 5 (Friday) for weekly, 1 to 31 for monthly (past a short month's end: its last day).</summary>
public sealed record DcaSpec(decimal Amount, string Symbol, Cadence Cadence, int Day);

public sealed record TargetWeight(string Symbol, decimal Percent);

/// <summary><c>/rebalance VTI 60 BND 40 drift 5</c>: weights in percent of the named symbols' combined value; tolerance in points.</summary>
public sealed record RebalanceSpec(IReadOnlyList<TargetWeight> Targets, decimal Tolerance);

/// <summary>One standing instruction's parameters: exactly one of the three is set. Stored as JSON in <c>strategies.spec</c>.</summary>
public sealed record StrategySpec(AlertSpec? Alert = null, DcaSpec? Dca = null, RebalanceSpec? Rebalance = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    [JsonIgnore]
    public StrategyKind Kind => Alert is not null ? StrategyKind.Alert : Dca is not null ? StrategyKind.Dca : StrategyKind.Rebalance;

    /// <summary>Every symbol the instruction names.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Symbols =>
        Alert is { } a ? [a.Symbol] : Dca is { } d ? [d.Symbol] : Rebalance!.Targets.Select(t => t.Symbol).ToList();

    /// <summary>The instruction in words; each firing's thread is titled with it.</summary>
    [JsonIgnore]
    public string Title => Kind switch
    {
        StrategyKind.Alert => Alert!.Condition switch
        {
            AlertCondition.Moves => Inv($"Alert: {Alert.Symbol} moves {Alert.Threshold:0.##}%"),
            var c => Inv($"Alert: {Alert.Symbol} {c.ToString().ToLowerInvariant()} {Alert.Threshold:0.00##}"),
        } + (Alert.Side is { } side ? Inv($", then {side.ToString().ToLowerInvariant()} {Alert.Quantity:0.######}") : ""),
        StrategyKind.Dca => Inv($"Recurring buy: {Dca!.Amount:0.##} USD of {Dca.Symbol} {CadenceText(Dca)}"),
        _ => "Rebalance: " + string.Join(" / ", Rebalance!.Targets.Select(t => Inv($"{t.Symbol} {t.Percent:0.##}%"))) + Inv($" (±{Rebalance.Tolerance:0.##} pts)"),
    };

    public static string CadenceText(DcaSpec dca) => dca.Cadence switch
    {
        Cadence.Daily => "every trading day",
        Cadence.Weekly => "every " + ((DayOfWeek)(dca.Day % 7)).ToString(),
        _ => dca.Day > 28 ? Inv($"monthly on day {dca.Day} (or the month's last day)") : Inv($"monthly on day {dca.Day}"),
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static StrategySpec FromJson(string json) => JsonSerializer.Deserialize<StrategySpec>(json, Json)
        ?? throw new InvalidOperationException("A strategy's spec is empty.");

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
