using Bot.Strategies;

namespace Bot.Tests.Unit.Strategies;

/// <summary>Market hours in New York and the due times of recurring buys, across weekends and month ends.</summary>
public class MarketCalendarTests
{
    private static DateTimeOffset Utc(int year, int month, int day, int hour, int minute = 0) => new(year, month, day, hour, minute, 0, TimeSpan.Zero);

    [Fact]
    public void The_session_is_09_30_to_16_00_in_New_York_on_weekdays()
    {
        Assert.True(MarketCalendar.IsOpen(Utc(2027, 1, 5, 14, 30)));   // Tuesday 09:30 EST
        Assert.False(MarketCalendar.IsOpen(Utc(2027, 1, 5, 14, 29)));
        Assert.False(MarketCalendar.IsOpen(Utc(2027, 1, 5, 21, 0)));   // 16:00 EST
        Assert.True(MarketCalendar.IsOpen(Utc(2027, 7, 6, 13, 30)));   // 09:30 EDT
        Assert.False(MarketCalendar.IsOpen(Utc(2027, 1, 9, 15, 0)));   // Saturday
        Assert.Equal(Utc(2027, 1, 11, 14, 30), MarketCalendar.NextOpen(Utc(2027, 1, 8, 22, 0))); // Friday evening → Monday
    }

    [Fact]
    public void Monthly_on_the_31st_falls_on_each_month_s_last_day()
    {
        var spec = new DcaSpec(500, "VTI", Cadence.Monthly, 31);
        var due = new List<DateTimeOffset>();
        var at = Utc(2027, 1, 1, 0);
        for (var i = 0; i < 4; i++)
        {
            at = MarketCalendar.NextDue(spec, at);
            due.Add(at);
        }
        // 10:00 New York: 15:00 UTC in winter, 14:00 UTC from mid-March.
        Assert.Equal([Utc(2027, 1, 31, 15), Utc(2027, 2, 28, 15), Utc(2027, 3, 31, 14), Utc(2027, 4, 30, 14)], due);
        Assert.Equal(Utc(2028, 2, 29, 15), MarketCalendar.NextDue(spec, Utc(2028, 2, 1, 0))); // leap year
    }

    [Fact]
    public void Monthly_on_the_1st_crosses_the_year_end_once_a_month()
    {
        var spec = new DcaSpec(500, "VTI", Cadence.Monthly, 1);
        var first = MarketCalendar.NextDue(spec, Utc(2026, 12, 1, 15, 0)); // exactly at the due time: the next one
        Assert.Equal(Utc(2027, 1, 1, 15), first);
        Assert.Equal(Utc(2027, 2, 1, 15), MarketCalendar.NextDue(spec, first));
    }

    [Fact]
    public void Daily_skips_weekends_and_weekly_keeps_its_day()
    {
        var daily = new DcaSpec(100, "SPY", Cadence.Daily, 0);
        Assert.Equal(Utc(2027, 1, 11, 15), MarketCalendar.NextDue(daily, Utc(2027, 1, 8, 15, 0))); // Friday 10:00 → Monday
        var fridays = new DcaSpec(100, "SPY", Cadence.Weekly, 5);
        Assert.Equal(Utc(2027, 1, 15, 15), MarketCalendar.NextDue(fridays, Utc(2027, 1, 8, 15, 0)));
        Assert.Equal(Utc(2027, 1, 11, 15), MarketCalendar.NextRebalanceCheck(Utc(2027, 1, 6, 0)));
    }
}
