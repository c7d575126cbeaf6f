using System.Security.Cryptography;
using System.Text;

namespace Bot.Finance.Broker;

/// <summary>
/// The paper broker's market: a price per symbol that is derived from the symbol and the UTC day, so it is the same
/// for everyone all day long and moves a little (within ±3 %) from one day to the next. Well-known tickers start
/// near a realistic level; any other symbol gets a level between $20 and $500 from its hash.
/// </summary>
public static class DeterministicQuotes
{
    private static readonly Dictionary<string, decimal> Levels = new(StringComparer.Ordinal)
    {
        ["AAPL"] = 190m, ["MSFT"] = 410m, ["GOOGL"] = 165m, ["AMZN"] = 180m, ["NVDA"] = 120m, ["META"] = 480m,
        ["TSLA"] = 230m, ["IBM"] = 185m, ["VTI"] = 260m, ["VOO"] = 470m, ["SPY"] = 510m, ["QQQ"] = 440m,
        ["BND"] = 72m, ["VXUS"] = 60m,
    };

    public static decimal LastFor(string symbol, DateOnly day)
    {
        var level = Levels.TryGetValue(symbol, out var known) ? known : 20m + (Hash(symbol) % 48_001) / 100m;
        var move = ((long)(Hash($"{symbol}|{day:yyyy-MM-dd}") % 601) - 300) / 10_000m;
        return decimal.Round(level * (1 + move), 2, MidpointRounding.AwayFromZero);
    }

    /// <summary>Half the bid/ask spread: two basis points, at least a cent.</summary>
    public static decimal HalfSpread(decimal last) => Math.Max(0.01m, decimal.Round(last * 0.0002m, 2, MidpointRounding.AwayFromZero));

    public static Quote QuoteFor(string symbol, DateTimeOffset now)
    {
        var last = LastFor(symbol, DateOnly.FromDateTime(now.UtcDateTime));
        var half = HalfSpread(last);
        return new Quote(symbol, last, last - half, last + half, now, null);
    }

    internal static ulong Hash(string text) => BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0);
}
