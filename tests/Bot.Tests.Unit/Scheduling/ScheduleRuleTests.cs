using Bot.Scheduling;

namespace Bot.Tests.Unit.Scheduling;

/// <summary>Occurrences of a rule in its zone, and what a firing comes to (run, skip, nothing) around downtime.</summary>
public class ScheduleRuleTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static ScheduleRule Rule(string argument, string zone)
    {
        var request = Assert.IsType<ScheduleCommandRequest.Create>(ScheduleParser.Parse(argument));
        Assert.True(TimeZones.TryFind(request.ZoneId ?? zone, out var tz, out var iana));
        return request.When.In(tz, iana);
    }

    [Fact]
    public void A_daily_time_follows_the_zone_across_daylight_saving()
    {
        var rule = Rule("daily 08:00 Europe/Berlin x", "UTC");
        // Winter: CET (UTC+1). Summer, after the last Sunday of March: CEST (UTC+2).
        Assert.Equal(new DateTimeOffset(2026, 3, 27, 7, 0, 0, TimeSpan.Zero), rule.NextAfter(new DateTimeOffset(2026, 3, 27, 6, 0, 0, TimeSpan.Zero), Start));
        Assert.Equal(new DateTimeOffset(2026, 3, 30, 6, 0, 0, TimeSpan.Zero), rule.NextAfter(new DateTimeOffset(2026, 3, 30, 5, 0, 0, TimeSpan.Zero), Start));
        Assert.Equal("Mon 2026-03-30 08:00 (Europe/Berlin)", rule.Local(new DateTimeOffset(2026, 3, 30, 6, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Weekdays_skip_the_weekend()
    {
        var rule = Rule("weekdays 08:00 America/New_York x", "UTC");
        var friday = new DateTimeOffset(2026, 3, 6, 14, 0, 0, TimeSpan.Zero);
        var monday = rule.NextAfter(friday, Start)!.Value;
        Assert.Equal(DayOfWeek.Monday, TimeZoneInfo.ConvertTime(monday, rule.Zone).DayOfWeek);
        Assert.Equal(8, TimeZoneInfo.ConvertTime(monday, rule.Zone).Hour);
        Assert.Equal(new DateTimeOffset(2026, 3, 6, 13, 0, 0, TimeSpan.Zero), rule.LatestAtOrBefore(friday, Start));
    }

    [Fact]
    public void An_interval_counts_from_its_start()
    {
        var rule = Rule("every 30m x", "UTC");
        Assert.Equal(Start, rule.NextAfter(Start.AddDays(-1), Start));
        Assert.Equal(Start.AddMinutes(30), rule.NextAfter(Start, Start));
        Assert.Equal(Start.AddMinutes(90), rule.NextAfter(Start.AddMinutes(61), Start));
        Assert.Equal(Start.AddMinutes(60), rule.LatestAtOrBefore(Start.AddMinutes(89), Start));
        Assert.Null(rule.LatestAtOrBefore(Start.AddSeconds(-1), Start));
        Assert.Equal(TimeSpan.FromMinutes(30), rule.ShortestGap(Start));
    }

    [Fact]
    public void Occurrences_before_the_start_never_count()
    {
        var rule = Rule("daily 08:00 UTC x", "UTC");
        var created = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
        Assert.Null(rule.LatestAtOrBefore(created.AddMinutes(5), created));
        Assert.Equal(new DateTimeOffset(2026, 3, 3, 8, 0, 0, TimeSpan.Zero), rule.NextAfter(created, created));
    }

    [Fact]
    public void The_fingerprint_changes_with_the_rule_and_the_zone()
    {
        var berlin = Rule("daily 08:00 Europe/Berlin x", "UTC").Fingerprint(Start);
        Assert.Equal("cron 0 0 8 ? * * in Europe/Berlin", berlin);
        Assert.NotEqual(berlin, Rule("daily 08:00 Europe/Paris x", "UTC").Fingerprint(Start));
        Assert.NotEqual(berlin, Rule("daily 08:30 Europe/Berlin x", "UTC").Fingerprint(Start));
        Assert.Equal("every 60 s from 2026-03-01T00:00:00.0000000Z", Rule("every 1m x", "UTC").Fingerprint(Start));
    }

    [Fact]
    public void A_firing_on_time_runs_its_occurrence_once()
    {
        var rule = Rule("every 1m x", "UTC");
        var occurrence = Start.AddMinutes(5);
        var first = Assert.IsType<FiringDecision.Run>(FiringDecision.Decide(rule, Start, Start.AddMinutes(4), occurrence.AddMilliseconds(30), TimeSpan.FromMinutes(60)));
        Assert.Equal(occurrence, first.Occurrence);
        // The same occurrence fired again (another replica, a duplicate): nothing to do.
        Assert.IsType<FiringDecision.NothingDue>(FiringDecision.Decide(rule, Start, occurrence, occurrence.AddMilliseconds(60), TimeSpan.FromMinutes(60)));
    }

    [Fact]
    public void After_downtime_within_the_grace_period_the_latest_missed_occurrence_runs_once()
    {
        var rule = Rule("daily 08:00 UTC x", "UTC");
        var lastRun = new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);
        var back = new DateTimeOffset(2026, 3, 3, 8, 40, 0, TimeSpan.Zero);
        var run = Assert.IsType<FiringDecision.Run>(FiringDecision.Decide(rule, Start, lastRun, back, TimeSpan.FromMinutes(60)));
        Assert.Equal(new DateTimeOffset(2026, 3, 3, 8, 0, 0, TimeSpan.Zero), run.Occurrence);

        // Many missed occurrences of a short interval come to one run: the latest.
        var every = Rule("every 1m x", "UTC");
        var coalesced = Assert.IsType<FiringDecision.Run>(FiringDecision.Decide(every, Start, Start.AddMinutes(1), Start.AddMinutes(10).AddSeconds(20), TimeSpan.FromMinutes(5)));
        Assert.Equal(Start.AddMinutes(10), coalesced.Occurrence);
    }

    [Fact]
    public void After_downtime_past_the_grace_period_the_occurrence_is_skipped_and_then_handled()
    {
        var rule = Rule("daily 08:00 UTC x", "UTC");
        var lastRun = new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);
        var back = new DateTimeOffset(2026, 3, 3, 9, 30, 0, TimeSpan.Zero);
        var skip = Assert.IsType<FiringDecision.Skip>(FiringDecision.Decide(rule, Start, lastRun, back, TimeSpan.FromMinutes(60)));
        Assert.Equal(new DateTimeOffset(2026, 3, 3, 8, 0, 0, TimeSpan.Zero), skip.Occurrence);
        Assert.Equal(TimeSpan.FromMinutes(90), skip.Late);
        // Once recorded, a second firing for it (the misfire catch-up beside it) finds nothing due.
        Assert.IsType<FiringDecision.NothingDue>(FiringDecision.Decide(rule, Start, skip.Occurrence, back.AddSeconds(1), TimeSpan.FromMinutes(60)));
    }

    [Fact]
    public void A_grace_of_zero_runs_only_what_fires_on_the_dot()
    {
        var rule = Rule("every 1m x", "UTC");
        Assert.IsType<FiringDecision.Run>(FiringDecision.Decide(rule, Start, null, Start.AddMinutes(2), TimeSpan.Zero));
        Assert.IsType<FiringDecision.Skip>(FiringDecision.Decide(rule, Start, null, Start.AddMinutes(2).AddTicks(1), TimeSpan.Zero));
    }

    [Fact]
    public void The_event_id_is_the_schedule_and_its_occurrence()
    {
        var id = Guid.Parse("01a1fd7f-9c4b-7558-97dd-049488876a2c");
        Assert.Equal("schedule:01a1fd7f9c4b755897dd049488876a2c:20260301T000000.0000000Z", ScheduleFiring.EventIdFor(id, Start));
        Assert.Equal(ScheduleFiring.EventIdFor(id, Start), ScheduleFiring.EventIdFor(id, Start.ToOffset(TimeSpan.FromHours(2))));
    }

    [Fact]
    public void Prompts_that_would_move_threads_or_breed_schedules_are_refused()
    {
        Assert.NotNull(ScheduleService.RefusePrompt("/new"));
        Assert.NotNull(ScheduleService.RefusePrompt("/schedule daily 08:00 x"));
        Assert.Null(ScheduleService.RefusePrompt("/portfolio"));
        Assert.Null(ScheduleService.RefusePrompt("Summarise my week"));
    }
}
