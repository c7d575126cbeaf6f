using Quartz;

namespace Bot.Scheduling;

/// <summary>When a schedule fires, before a time zone is known: a cron expression (in Quartz's form) or an interval.</summary>
public sealed record ScheduleWhen(string? Cron, TimeSpan? Interval, string Description)
{
    /// <summary>The rule in a zone.</summary>
    public ScheduleRule In(TimeZoneInfo zone, string zoneId) => Cron is { } cron
        ? ScheduleRule.FromCron(CronExpression.Parse(cron), zone, zoneId, Description)
        : ScheduleRule.Every(Interval!.Value, zone, zoneId, Description);

    /// <summary>Whether the time of day matters (and so the zone): intervals run the same in every zone.</summary>
    public bool NeedsZone => Cron is not null;
}
