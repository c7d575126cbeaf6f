using System.Text.RegularExpressions;

namespace Bot.Finance.Broker;

/// <summary>Ticker symbols as users type them: upper-cased, checked for a plausible shape.</summary>
public static partial class Symbols
{
    /// <summary>The normalized symbol, or null when the text cannot be a ticker (so nothing odd reaches a broker).</summary>
    public static string? Normalize(string? text)
    {
        var symbol = text?.Trim().TrimStart('$').ToUpperInvariant();
        return symbol is not null && Shape().IsMatch(symbol) ? symbol : null;
    }

    [GeneratedRegex("^[A-Z][A-Z0-9]{0,5}([.-][A-Z]{1,2})?$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
