namespace Bot.Speech;

/// <summary>How ticker symbols are said: a company name when there is a well-known one, and always letter by letter.</summary>
public static class SpokenSymbols
{
    /// <summary>Names people use for common symbols (each must be a word of the recogniser's dictionary).</summary>
    private static readonly Dictionary<string, string[]> Names = new(StringComparer.Ordinal)
    {
        ["AAPL"] = ["apple"],
        ["MSFT"] = ["microsoft"],
        ["GOOGL"] = ["google", "alphabet"],
        ["AMZN"] = ["amazon"],
        ["TSLA"] = ["tesla"],
        ["NVDA"] = ["nvidia"],
        ["META"] = ["meta"],
        ["VTI"] = [],
        ["BND"] = [],
        ["SPY"] = [],
        ["VOO"] = [],
        ["QQQ"] = [],
    };

    /// <summary>Symbols the grammar always knows, besides the ones the person holds.</summary>
    public static IReadOnlyCollection<string> Common { get; } = Names.Keys.ToArray();

    /// <summary>A symbol that can be spoken: letters and digits only, 1 to 6 of them.</summary>
    public static bool IsSpeakable(string symbol) =>
        symbol.Length is >= 1 and <= 6 && symbol.All(c => c is >= 'A' and <= 'Z');

    /// <summary>Every way SYMBOL is said, as word sequences: "apple", "a. a. p. l.".</summary>
    public static IEnumerable<string> FormsOf(string symbol)
    {
        if (Names.TryGetValue(symbol, out var names))
        {
            foreach (var name in names)
            {
                yield return name;
            }
        }
        yield return Spelled(symbol);
    }

    /// <summary>The symbol letter by letter, in the dictionary's letter words: <c>VTI</c> is "v. t. i.".</summary>
    public static string Spelled(string symbol) => string.Join(' ', symbol.Select(c => char.ToLowerInvariant(c) + "."));
}
