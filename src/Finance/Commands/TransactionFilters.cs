namespace Bot.Finance.Commands;

/// <summary>The arguments of <c>/transactions</c>: a period, <c>category:NAME</c>, <c>merchant:NAME</c> (quotes allow spaces).</summary>
public sealed record TransactionFilters(string? Period, string? Category, string? Merchant)
{
    public static bool TryParse(string argument, out TransactionFilters filters, out string? error)
    {
        filters = new TransactionFilters(null, null, null);
        error = null;
        foreach (var token in Tokens(argument))
        {
            var colon = token.IndexOf(':', StringComparison.Ordinal);
            var key = colon > 0 ? token[..colon].ToLowerInvariant() : null;
            var value = colon > 0 ? token[(colon + 1)..].Trim('"') : token;
            switch (key)
            {
                case "category" or "cat":
                    filters = filters with { Category = value };
                    break;
                case "merchant" or "m":
                    filters = filters with { Merchant = value };
                    break;
                case "period" or null when filters.Period is null:
                    filters = filters with { Period = value };
                    break;
                default:
                    error = $"I don't understand `{token}`.";
                    return false;
            }
        }
        return true;
    }

    private static IEnumerable<string> Tokens(string text)
    {
        var current = new System.Text.StringBuilder();
        var quoted = false;
        foreach (var c in text)
        {
            if (c == '"')
            {
                quoted = !quoted;
                current.Append(c);
            }
            else if (char.IsWhiteSpace(c) && !quoted)
            {
                if (current.Length > 0)
                {
                    yield return current.ToString();
                    current.Clear();
                }
            }
            else
            {
                current.Append(c);
            }
        }
        if (current.Length > 0)
        {
            yield return current.ToString();
        }
    }
}
