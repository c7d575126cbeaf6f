using System.Security.Cryptography;
using System.Text;

namespace Bot.Finance.Broker;

/// <summary>
/// The paper broker's market: a price per symbol that is derived from the symbol and the UTC day, so it is the same
/// for everyone all day long and moves a little (within ±3 %) from one day to the next. The paper broker lists only
/// the well-known tickers below (<see cref="IsListed"/>), each starting near a realistic level, and refuses any other
/// symbol as a real broker would; <see cref="LastFor"/> still prices any symbol (a level between $20 and $500 from its
/// hash), for positions that were bought before a symbol left the list.
/// </summary>
public static class DeterministicQuotes
{
    private static readonly Dictionary<string, decimal> Levels = new(StringComparer.Ordinal)
    {
        ["AAPL"] = 190m, ["MSFT"] = 410m, ["GOOGL"] = 165m, ["AMZN"] = 180m, ["NVDA"] = 120m, ["META"] = 480m,
        ["TSLA"] = 230m, ["IBM"] = 185m, ["VTI"] = 260m, ["VOO"] = 470m, ["SPY"] = 510m, ["QQQ"] = 440m,
        ["BND"] = 72m, ["VXUS"] = 60m, ["GOOG"] = 166m, ["BRK.B"] = 410m, ["JPM"] = 200m, ["V"] = 275m, ["MA"] = 460m,
        ["JNJ"] = 155m, ["WMT"] = 68m, ["PG"] = 165m, ["KO"] = 62m, ["PEP"] = 170m, ["DIS"] = 100m, ["NFLX"] = 650m,
        ["INTC"] = 30m, ["AMD"] = 160m, ["ORCL"] = 140m, ["CSCO"] = 50m, ["ADBE"] = 520m, ["CRM"] = 270m, ["XOM"] = 115m,
        ["CVX"] = 155m, ["BAC"] = 40m, ["T"] = 18m, ["VZ"] = 40m, ["PFE"] = 28m, ["MRK"] = 125m, ["COST"] = 850m,
        ["HD"] = 350m, ["MCD"] = 270m, ["NKE"] = 90m, ["IWM"] = 210m, ["DIA"] = 400m, ["VEA"] = 50m, ["VWO"] = 43m,
        ["AGG"] = 98m, ["TLT"] = 92m, ["GLD"] = 215m, ["SCHD"] = 80m, ["VIG"] = 185m, ["VYM"] = 120m, ["VT"] = 112m,
    };

    /// <summary>Whether the paper broker lists <paramref name="symbol"/> (normalized, as <see cref="Symbols.Normalize"/> gives it).</summary>
    public static bool IsListed(string symbol) => Levels.ContainsKey(symbol);

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
