using Bot.Finance.Bank;
using Bot.Finance.Broker;
using Bot.Finance.Commands;
using Bot.Finance.Tools;

namespace Bot.Tests.Unit;

public class DemoDataTests
{
    private static readonly DateOnly Day = new(2026, 3, 14);

    [Fact]
    public void The_demo_bank_is_a_function_of_its_seed_and_each_day_never_changes()
    {
        var seed = DemoBank.SeedFor("web:owner");
        var a = new DemoBankData(seed);
        var b = new DemoBankData(seed);
        Assert.Equal(a.Accounts(Day), b.Accounts(Day));
        Assert.Equal(a.Transactions(Day, Day.AddDays(-89), Day), b.Transactions(Day, Day.AddDays(-89), Day));

        // A week later the window has moved, but the days both windows cover hold the same transactions.
        var later = a.Transactions(Day.AddDays(7), Day.AddDays(-30), Day);
        Assert.Equal(a.Transactions(Day, Day.AddDays(-30), Day), later);

        Assert.NotEqual(a.Accounts(Day)[0].Current, new DemoBankData(DemoBank.SeedFor("telegram:42")).Accounts(Day)[0].Current);
    }

    [Fact]
    public void The_demo_bank_has_pay_rent_bills_and_everyday_spending_over_ninety_days()
    {
        var data = new DemoBankData(DemoBank.SeedFor("web:owner"));
        var all = data.Transactions(Day, Day.AddDays(-400), Day);
        Assert.Equal(Day.AddDays(1 - DemoBankData.WindowDays), all.Min(t => t.Date));
        Assert.Equal(3, all.Count(t => t.Category == "Rent" && t.Amount == data.Rent));
        Assert.Equal(6, all.Count(t => t.Category == "Income" && t.Amount == -data.Salary));
        Assert.Contains(all, t => t.Merchant == "Netflix" && t.Amount == 15.49m);
        Assert.True(all.Count(t => t.Category is "Groceries" or "Dining") > 30);
        Assert.All(all, t => Assert.Equal(t.Amount, decimal.Round(t.Amount, 2)));
        Assert.Equal(all.OrderByDescending(t => t.Date).Select(t => t.Date), all.Select(t => t.Date));
    }

    [Fact]
    public void Quotes_are_stable_within_a_day_and_move_at_most_three_percent()
    {
        Assert.Equal(DeterministicQuotes.LastFor("AAPL", Day), DeterministicQuotes.LastFor("AAPL", Day));
        Assert.All(Enumerable.Range(0, 60).Select(d => DeterministicQuotes.LastFor("AAPL", Day.AddDays(d))), p => Assert.InRange(p, 184.30m, 195.70m));
        Assert.InRange(DeterministicQuotes.LastFor("ZZZQ", Day), 19.40m, 515m);
        var morning = DeterministicQuotes.QuoteFor("VTI", new DateTimeOffset(2026, 3, 14, 0, 5, 0, TimeSpan.Zero));
        var evening = DeterministicQuotes.QuoteFor("VTI", new DateTimeOffset(2026, 3, 14, 23, 55, 0, TimeSpan.Zero));
        Assert.Equal((morning.Last, morning.Bid, morning.Ask), (evening.Last, evening.Bid, evening.Ask));
        Assert.True(morning.Bid < morning.Last && morning.Last < morning.Ask);
    }

    [Theory]
    [InlineData("aapl", "AAPL")]
    [InlineData(" $brk.b ", "BRK.B")]
    [InlineData("AAPL; DROP", null)]
    [InlineData("", null)]
    [InlineData("TOOLONGSYM", null)]
    public void Symbols_are_normalized_or_refused(string text, string? expected) => Assert.Equal(expected, Symbols.Normalize(text));

    [Theory]
    [InlineData(null, "2026-02-13", "2026-03-14")]
    [InlineData("7d", "2026-03-08", "2026-03-14")]
    [InlineData("90d", "2025-12-15", "2026-03-14")]
    [InlineData("this month", "2026-03-01", "2026-03-14")]
    [InlineData("last-month", "2026-02-01", "2026-02-28")]
    [InlineData("2025-12", "2025-12-01", "2025-12-31")]
    [InlineData("2026-01-05..2026-01-20", "2026-01-05", "2026-01-20")]
    public void Periods_are_parsed(string? text, string from, string to)
    {
        Assert.True(TransactionPeriod.TryParse(text, Day, out var f, out var t, out _));
        Assert.Equal((DateOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture), DateOnly.Parse(to, System.Globalization.CultureInfo.InvariantCulture)), (f, t));
    }

    [Theory]
    [InlineData("0d")]
    [InlineData("9999d")]
    [InlineData("soon")]
    [InlineData("2026-02-01..2025-01-01")]
    public void Bad_periods_are_explained(string text)
    {
        Assert.False(TransactionPeriod.TryParse(text, Day, out _, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Transaction_filters_read_period_category_and_quoted_merchant()
    {
        Assert.True(TransactionFilters.TryParse("90d category:dining merchant:\"whole foods\"", out var filters, out _));
        Assert.Equal(new TransactionFilters("90d", "dining", "whole foods"), filters);
        Assert.False(TransactionFilters.TryParse("90d 30d", out _, out var error));
        Assert.Contains("30d", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Money_and_shares_read_naturally()
    {
        Assert.Equal("-$1,675.00", FinanceMarkdown.Money(-1675m));
        Assert.Equal("12.50 EUR", FinanceMarkdown.Money(12.5m, "EUR"));
        Assert.Equal("40", FinanceMarkdown.Shares(40m));
        Assert.Equal("0.00365831", FinanceMarkdown.Shares(0.00365831m));
    }
}
