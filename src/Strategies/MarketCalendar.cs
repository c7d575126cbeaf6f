namespace Bot.Strategies;

/// <summary>
/// The US stock market's regular session, 09:30 to 16:00 in New York, Monday to Friday (exchange holidays are not
/// known here: a check on a holiday finds no movement, and a recurring buy due on one is proposed at the price of the
/// day). Recurring buys and the weekly rebalancing check are due at 10:00 New York time on their days.
/// </summary>
public static class MarketCalendar
{
    public static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly TimeSpan Open = new(9, 30, 0);
    private static readonly TimeSpan Close = new(16, 0, 0);
    private static readonly TimeSpan DueTime = new(10, 0, 0);

    public static bool IsOpen(DateTimeOffset at)
    {
        var local = TimeZoneInfo.ConvertTime(at, NewYork);
        return IsWeekday(local.DayOfWeek) && local.TimeOfDay >= Open && local.TimeOfDay < Close;
    }

    /// <summary>The trading day (New York date) of an instant.</summary>
    public static DateOnly TradingDay(DateTimeOffset at) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, NewYork).DateTime);

    /// <summary>The next session's opening at or after <paramref name="at"/> (the instant itself when the market is open).</summary>
    public static DateTimeOffset NextOpen(DateTimeOffset at)
    {
        if (IsOpen(at))
        {
            return at;
        }
        var local = TimeZoneInfo.ConvertTime(at, NewYork);
        var day = local.Date;
        if (local.TimeOfDay >= Open)
        {
            day = day.AddDays(1);
        }
        while (!IsWeekday(day.DayOfWeek))
        {
            day = day.AddDays(1);
        }
        return At(day, Open);
    }

    /// <summary>The first due time strictly after <paramref name="after"/> of a recurring buy.</summary>
    public static DateTimeOffset NextDue(DcaSpec dca, DateTimeOffset after)
    {
        var day = TimeZoneInfo.ConvertTime(after, NewYork).Date.AddDays(-1);
        for (var i = 0; i < 400; i++, day = day.AddDays(1))
        {
            if (IsDueDay(dca, day) && At(day, DueTime) is var due && due > after)
            {
                return due;
            }
        }
        throw new InvalidOperationException("No due day within 400 days: the cadence is not valid.");
    }

    /// <summary>The weekly rebalancing check: Mondays at 10:00 New York time, the first strictly after <paramref name="after"/>.</summary>
    public static DateTimeOffset NextRebalanceCheck(DateTimeOffset after) => NextDue(new DcaSpec(1, "X", Cadence.Weekly, 1), after);

    private static bool IsDueDay(DcaSpec dca, DateTime day) => dca.Cadence switch
    {
        Cadence.Daily => IsWeekday(day.DayOfWeek),
        Cadence.Weekly => (int)day.DayOfWeek == dca.Day % 7,
        // Day 29, 30 or 31 in a shorter month: its last day.
        _ => day.Day == Math.Min(dca.Day, DateTime.DaysInMonth(day.Year, day.Month)),
    };

    private static bool IsWeekday(DayOfWeek day) => day is not (DayOfWeek.Saturday or DayOfWeek.Sunday);

    private static DateTimeOffset At(DateTime day, TimeSpan time)
    {
        var local = DateTime.SpecifyKind(day.Date + time, DateTimeKind.Unspecified);
        // In UTC: PostgreSQL's timestamptz takes only offset 0 from Npgsql.
        return new DateTimeOffset(local, NewYork.GetUtcOffset(local)).ToUniversalTime();
    }
}
