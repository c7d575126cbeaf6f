using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Bot.Finance.Broker;

/// <summary>The paper broker's market (section <c>PaperBroker</c>).</summary>
public sealed class PaperMarketOptions
{
    public const string Section = "PaperBroker";

    /// <summary>
    /// True (the default): prices follow <see cref="PaperMarket"/>'s seeded intraday path, so alerts and drift can
    /// happen on the paper account. False: each symbol stays at the day's level all day (the behaviour before the path).
    /// </summary>
    public bool IntradayMoves { get; set; } = true;

    /// <summary>
    /// Pinned last prices by symbol (<c>PaperBroker:Prices:AAPL = 175</c>): the operator's way, and the tests', to put
    /// the paper market where a scenario needs it. Only the paper broker reads it; nothing a user sends can change it.
    /// </summary>
    public Dictionary<string, decimal> Prices { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Percent by which the path may stray from the day's level, either way.</summary>
    [Range(0.1, 50)]
    public decimal MaxDeviationPercent { get; set; } = 8m;
}

/// <summary>
/// The paper broker's prices. Each symbol has a level per UTC day (<see cref="DeterministicQuotes.LastFor"/>) and,
/// through the day, a seeded path around it: one step a minute, each step a pseudo-random move of at most ±0.2 % drawn
/// from SHA-256 of (symbol, day, minute), with a slight pull back towards the day's level (0.5 % of the gap a minute)
/// and a cap of <see cref="PaperMarketOptions.MaxDeviationPercent"/>. So the price is the same for everyone at the same
/// minute, on every replica and in every test run, yet moves about 1 % (one standard deviation) during a day: enough for
/// alerts to cross and portfolios to drift. Pinned prices (<see cref="PaperMarketOptions.Prices"/>) win over the path.
/// </summary>
public sealed class PaperMarket(IOptionsMonitor<PaperMarketOptions> options)
{
    private const int MinutesPerDay = 24 * 60;
    private const double StepSize = 0.002;
    private const double PullBack = 0.005;
    private readonly ConcurrentDictionary<(string Symbol, DateOnly Day), double[]> paths = new();

    /// <summary>The last price of <paramref name="symbol"/> at <paramref name="at"/>.</summary>
    public decimal LastAt(string symbol, DateTimeOffset at)
    {
        var settings = options.CurrentValue;
        if (settings.Prices.TryGetValue(symbol, out var pinned) && pinned > 0)
        {
            return pinned;
        }
        var utc = at.UtcDateTime;
        var day = DateOnly.FromDateTime(utc);
        var level = DeterministicQuotes.LastFor(symbol, day);
        if (!settings.IntradayMoves)
        {
            return level;
        }
        var minute = (int)(utc - utc.Date).TotalMinutes;
        var deviation = Math.Clamp(PathOf(symbol, day)[minute], -(double)settings.MaxDeviationPercent / 100, (double)settings.MaxDeviationPercent / 100);
        return Math.Max(0.01m, decimal.Round(level * (1 + (decimal)deviation), 2, MidpointRounding.AwayFromZero));
    }

    public Quote QuoteFor(string symbol, DateTimeOffset now)
    {
        var last = LastAt(symbol, now);
        var half = DeterministicQuotes.HalfSpread(last);
        return new Quote(symbol, last, last - half, last + half, now, null);
    }

    /// <summary>The deviation from the day's level at each minute of the UTC day (0 at midnight).</summary>
    private double[] PathOf(string symbol, DateOnly day)
    {
        if (paths.TryGetValue((symbol, day), out var cached))
        {
            return cached;
        }
        if (paths.Count > 4096)
        {
            paths.Clear();
        }
        var path = new double[MinutesPerDay];
        var x = 0.0;
        for (var minute = 1; minute < MinutesPerDay; minute++)
        {
            var draw = DeterministicQuotes.Hash($"{symbol}|{day:yyyy-MM-dd}|{minute}") % 2_000_001;
            var step = ((double)draw / 1_000_000 - 1) * StepSize;
            x = x * (1 - PullBack) + step;
            path[minute] = x;
        }
        return paths.GetOrAdd((symbol, day), path);
    }
}
