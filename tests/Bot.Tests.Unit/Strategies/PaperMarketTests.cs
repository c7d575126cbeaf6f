using Bot.Finance.Broker;
using Microsoft.Extensions.Options;

namespace Bot.Tests.Unit.Strategies;

/// <summary>The paper market's seeded intraday path: deterministic, moving, bounded, and pinned where settings say.</summary>
public class PaperMarketTests
{
    private static readonly DateTimeOffset Day = new(2027, 3, 9, 0, 0, 0, TimeSpan.Zero);

    private sealed class Fixed(PaperMarketOptions value) : IOptionsMonitor<PaperMarketOptions>
    {
        public PaperMarketOptions CurrentValue => value;

        public PaperMarketOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<PaperMarketOptions, string?> listener) => null;
    }

    private static PaperMarket Market(PaperMarketOptions? options = null) => new(new Fixed(options ?? new PaperMarketOptions()));

    [Fact]
    public void The_same_symbol_and_minute_give_the_same_price_in_any_instance()
    {
        var at = Day.AddHours(15).AddMinutes(7).AddSeconds(42);
        Assert.Equal(Market().LastAt("AAPL", at), Market().LastAt("AAPL", at));
        Assert.Equal(Market().LastAt("AAPL", at), Market().LastAt("AAPL", at.AddSeconds(10))); // one step a minute
    }

    [Fact]
    public void Prices_move_through_the_day_within_the_cap()
    {
        var market = Market();
        var level = DeterministicQuotes.LastFor("VTI", DateOnly.FromDateTime(Day.UtcDateTime));
        var prices = Enumerable.Range(0, 24 * 60).Select(m => market.LastAt("VTI", Day.AddMinutes(m))).ToList();
        Assert.Equal(level, prices[0]);
        Assert.True(prices.Distinct().Count() > 100, "the path hardly moves");
        Assert.True(prices.Max() - prices.Min() > level * 0.005m, "the day's range is under 0.5 %");
        Assert.All(prices, p => Assert.InRange(p, level * 0.92m - 0.01m, level * 1.08m + 0.01m));
        // Symbols have paths of their own.
        Assert.NotEqual(prices.Select(p => p / level), Enumerable.Range(0, 24 * 60).Select(m => market.LastAt("BND", Day.AddMinutes(m)) / DeterministicQuotes.LastFor("BND", DateOnly.FromDateTime(Day.UtcDateTime))));
    }

    [Fact]
    public void Pinned_prices_win_and_a_flat_market_stays_at_the_day_s_level()
    {
        var pinned = Market(new PaperMarketOptions { Prices = new(StringComparer.OrdinalIgnoreCase) { ["aapl"] = 170m } });
        var quote = pinned.QuoteFor("AAPL", Day.AddHours(15));
        Assert.Equal((170m, 169.97m, 170.03m), (quote.Last, quote.Bid, quote.Ask));
        Assert.NotEqual(170m, pinned.LastAt("MSFT", Day.AddHours(15)));

        var flat = Market(new PaperMarketOptions { IntradayMoves = false });
        Assert.Equal(DeterministicQuotes.LastFor("MSFT", DateOnly.FromDateTime(Day.UtcDateTime)), flat.LastAt("MSFT", Day.AddHours(17)));
    }
}
