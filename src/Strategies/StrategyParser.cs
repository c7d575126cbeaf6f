using System.Globalization;
using Bot.Finance.Broker;

namespace Bot.Strategies;

/// <summary>
/// Reads <c>/alert</c>, <c>/dca</c> and <c>/rebalance</c>. Every refusal names what is wrong, so a person can fix it;
/// nothing is created from input that does not parse.
/// </summary>
public static class StrategyParser
{
    public const string AlertSyntax = "`/alert AAPL below 180`, `/alert MSFT above 450` or `/alert VTI moves 3%` (add `buy 5` or `sell 5` to have a firing propose that order)";
    public const string DcaSyntax = "`/dca 500 VTI monthly 1` (amount in USD, symbol, then `daily`, `weekly mon`…`weekly fri` or `monthly 1`…`monthly 31`)";
    public const string RebalanceSyntax = "`/rebalance VTI 60 BND 40 drift 5` (symbols with target percentages summing to 100, then the tolerance in points), or `/rebalance now`";
    public const decimal MaxAmount = 1_000_000m;
    public const decimal MaxPrice = 1_000_000m;
    public const int MaxTargets = 10;
    public const decimal DefaultTolerance = 5m;

    public static (StrategySpec? Spec, string? Error) ParseAlert(string argument)
    {
        var words = Words(argument);
        if (words.Length is not (3 or 5))
        {
            return (null, "Say it as " + AlertSyntax + ".");
        }
        OrderSide? side = null;
        decimal? quantity = null;
        if (words.Length == 5)
        {
            side = words[3].ToLowerInvariant() switch { "buy" => OrderSide.Buy, "sell" => OrderSide.Sell, _ => null };
            if (side is null)
            {
                return (null, $"'{words[3]}' is not an order: after the condition, say `buy 5` or `sell 5`.");
            }
            if (!TryNumber(words[4], out var shares) || shares <= 0 || shares > OrderChecks.MaxQuantity)
            {
                return (null, Inv($"'{words[4]}' is not a quantity: give a number of shares above 0 and at most {OrderChecks.MaxQuantity:N0}."));
            }
            quantity = shares;
            words = words[..3];
        }
        if (Symbols.Normalize(words[0]) is not { } symbol)
        {
            return (null, $"'{words[0]}' is not a ticker symbol. Say it as {AlertSyntax}.");
        }
        var condition = words[1].ToLowerInvariant() switch
        {
            "below" or "under" => AlertCondition.Below,
            "above" or "over" => AlertCondition.Above,
            "moves" or "move" => AlertCondition.Moves,
            _ => (AlertCondition?)null,
        };
        if (condition is null)
        {
            return (null, $"'{words[1]}' is not a condition: use `below`, `above` or `moves`.");
        }
        if (condition == AlertCondition.Moves)
        {
            if (!words[2].EndsWith('%') || !TryNumber(words[2].TrimEnd('%'), out var percent))
            {
                return (null, $"'{words[2]}' is not a percentage: say `moves 3%`.");
            }
            if (percent is <= 0 or > 50)
            {
                return (null, Inv($"A move of {percent}% is out of range: give more than 0% and at most 50%."));
            }
            return (new StrategySpec(Alert: new AlertSpec(symbol, AlertCondition.Moves, percent, side, quantity)), null);
        }
        if (!TryNumber(words[2].TrimStart('$'), out var price))
        {
            return (null, $"'{words[2]}' is not a price.");
        }
        if (price is <= 0 or > MaxPrice)
        {
            return (null, Inv($"A price of {price} is out of range: give more than 0 and at most {MaxPrice:N0}."));
        }
        return (new StrategySpec(Alert: new AlertSpec(symbol, condition.Value, price, side, quantity)), null);
    }

    public static (StrategySpec? Spec, string? Error) ParseDca(string argument)
    {
        var words = Words(argument);
        if (words.Length is < 3 or > 4)
        {
            return (null, "Say it as " + DcaSyntax + ".");
        }
        if (!TryNumber(words[0].TrimStart('$'), out var amount))
        {
            return (null, $"'{words[0]}' is not an amount in USD. Say it as {DcaSyntax}.");
        }
        if (amount is < 1 or > MaxAmount)
        {
            return (null, Inv($"An amount of {amount} USD is out of range: give at least 1 and at most {MaxAmount:N0}."));
        }
        if (Symbols.Normalize(words[1]) is not { } symbol)
        {
            return (null, $"'{words[1]}' is not a ticker symbol.");
        }
        switch (words[2].ToLowerInvariant())
        {
            case "daily":
                return words.Length == 3
                    ? (new StrategySpec(Dca: new DcaSpec(amount, symbol, Cadence.Daily, 0)), null)
                    : (null, "`daily` takes no day: it buys every trading day.");
            case "weekly":
                if (words.Length != 4 || WeekDay(words[3]) is not { } weekday)
                {
                    return (null, $"`weekly` needs a weekday from `mon` to `fri` (the market is closed at weekends){(words.Length == 4 ? $"; '{words[3]}' is not one" : "")}.");
                }
                return (new StrategySpec(Dca: new DcaSpec(amount, symbol, Cadence.Weekly, weekday)), null);
            case "monthly":
                if (words.Length != 4 || !int.TryParse(words[3], NumberStyles.None, CultureInfo.InvariantCulture, out var day) || day is < 1 or > 31)
                {
                    return (null, $"`monthly` needs a day of the month from 1 to 31{(words.Length == 4 ? $"; '{words[3]}' is not one" : "")}.");
                }
                return (new StrategySpec(Dca: new DcaSpec(amount, symbol, Cadence.Monthly, day)), null);
            default:
                return (null, $"'{words[2]}' is not a cadence: use `daily`, `weekly DAY` or `monthly DAY`.");
        }
    }

    public static (StrategySpec? Spec, string? Error) ParseRebalance(string argument)
    {
        var words = Words(argument);
        var tolerance = DefaultTolerance;
        var driftAt = Array.FindIndex(words, w => w.Equals("drift", StringComparison.OrdinalIgnoreCase) || w.Equals("tolerance", StringComparison.OrdinalIgnoreCase));
        if (driftAt >= 0)
        {
            if (driftAt != words.Length - 2 || !TryNumber(words[^1].TrimEnd('%'), out tolerance))
            {
                return (null, "The tolerance comes last, as a number of points: `drift 5`.");
            }
            if (tolerance is < 0.5m or > 50)
            {
                return (null, Inv($"A tolerance of {tolerance} points is out of range: give from 0.5 to 50."));
            }
            words = words[..driftAt];
        }
        if (words.Length < 4 || words.Length % 2 != 0)
        {
            return (null, "Name at least two symbols, each with its target percentage: " + RebalanceSyntax + ".");
        }
        var targets = new List<TargetWeight>();
        for (var i = 0; i < words.Length; i += 2)
        {
            if (Symbols.Normalize(words[i]) is not { } symbol)
            {
                return (null, $"'{words[i]}' is not a ticker symbol.");
            }
            if (!TryNumber(words[i + 1].TrimEnd('%'), out var percent))
            {
                return (null, $"'{words[i + 1]}' is not a percentage for {symbol}.");
            }
            if (percent is <= 0 or > 100)
            {
                return (null, Inv($"{symbol}'s target of {percent}% is out of range: give more than 0 and at most 100."));
            }
            if (targets.Any(t => t.Symbol == symbol))
            {
                return (null, $"{symbol} is named twice.");
            }
            targets.Add(new TargetWeight(symbol, percent));
        }
        if (targets.Count > MaxTargets)
        {
            return (null, $"Name at most {MaxTargets} symbols.");
        }
        var sum = targets.Sum(t => t.Percent);
        if (sum != 100m)
        {
            return (null, Inv($"The target weights add up to {sum:0.##}%, not 100%."));
        }
        return (new StrategySpec(Rebalance: new RebalanceSpec(targets, tolerance)), null);
    }

    private static int? WeekDay(string word) => word.ToLowerInvariant() switch
    {
        "mon" or "monday" or "1" => 1,
        "tue" or "tues" or "tuesday" or "2" => 2,
        "wed" or "wednesday" or "3" => 3,
        "thu" or "thur" or "thurs" or "thursday" or "4" => 4,
        "fri" or "friday" or "5" => 5,
        _ => null,
    };

    private static bool TryNumber(string text, out decimal value) =>
        decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);

    private static string[] Words(string argument) => argument.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
