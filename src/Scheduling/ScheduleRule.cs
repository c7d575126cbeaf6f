using System.Globalization;
using Bot.Storage.Entities;
using Quartz;

namespace Bot.Scheduling;

/// <summary>
/// When a schedule fires: a Quartz cron expression read in an IANA time zone, or a fixed interval counted from the
/// schedule's start. Occurrences before the start never count. Pure: the firing logic and the parser rely on it,
/// and it is what Quartz's trigger is built from.
/// </summary>
public sealed class ScheduleRule
{
    private readonly CronExpression? cron;

    private ScheduleRule(CronExpression? cron, TimeSpan? interval, TimeZoneInfo zone, string zoneId, string description)
    {
        this.cron = cron;
        Interval = interval;
        Zone = zone;
        ZoneId = zoneId;
        Description = description;
    }

    /// <summary>The cron expression in Quartz's own form (seconds first), or null for an interval.</summary>
    public string? Cron => cron?.CronExpressionString;

    public TimeSpan? Interval { get; }

    public TimeZoneInfo Zone { get; }

    /// <summary>The IANA id of <see cref="Zone"/>.</summary>
    public string ZoneId { get; }

    /// <summary>The rule in words, for people.</summary>
    public string Description { get; }

    public static ScheduleRule FromCron(CronExpression expression, TimeZoneInfo zone, string zoneId, string description) =>
        new(expression.WithTimeZone(zone), null, zone, zoneId, description);

    public static ScheduleRule Every(TimeSpan interval, TimeZoneInfo zone, string zoneId, string description) =>
        interval > TimeSpan.Zero ? new(null, interval, zone, zoneId, description) : throw new ArgumentOutOfRangeException(nameof(interval));

    /// <summary>The rule a stored schedule describes.</summary>
    public static ScheduleRule For(Schedule schedule)
    {
        var zone = TimeZones.FindOrUtc(schedule.TimeZone);
        return schedule.Cron is { } text
            ? FromCron(CronExpression.Parse(text), zone, schedule.TimeZone, schedule.Description)
            : Every(TimeSpan.FromSeconds(schedule.IntervalSeconds ?? throw new InvalidOperationException($"Schedule {schedule.Id} has neither a cron expression nor an interval.")), zone, schedule.TimeZone, schedule.Description);
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/> (and not before <paramref name="startsAt"/>).</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset after, DateTimeOffset startsAt)
    {
        if (Interval is { } interval)
        {
            if (after < startsAt)
            {
                return startsAt;
            }
            var steps = (after - startsAt).Ticks / interval.Ticks + 1;
            return startsAt + TimeSpan.FromTicks(steps * interval.Ticks);
        }
        var from = after < startsAt ? startsAt.AddTicks(-1) : after;
        return cron!.GetNextValidTimeAfter(from);
    }

    /// <summary>The latest occurrence at or before <paramref name="at"/> (and not before <paramref name="startsAt"/>).</summary>
    public DateTimeOffset? LatestAtOrBefore(DateTimeOffset at, DateTimeOffset startsAt)
    {
        if (at < startsAt)
        {
            return null;
        }
        if (Interval is { } interval)
        {
            var steps = (at - startsAt).Ticks / interval.Ticks;
            return startsAt + TimeSpan.FromTicks(steps * interval.Ticks);
        }
        var latest = cron!.GetPreviousValidTimeBefore(at.AddTicks(1));
        return latest >= startsAt ? latest : null;
    }

    /// <summary>The shortest gap between the next few occurrences after <paramref name="from"/> (an interval's own length).</summary>
    public TimeSpan? ShortestGap(DateTimeOffset from, int occurrences = 64)
    {
        if (Interval is { } interval)
        {
            return interval;
        }
        TimeSpan? shortest = null;
        var previous = cron!.GetNextValidTimeAfter(from);
        for (var i = 0; i < occurrences && previous is { } at; i++)
        {
            var next = cron.GetNextValidTimeAfter(at);
            if (next is null)
            {
                break;
            }
            var gap = next.Value - at;
            shortest = shortest is null || gap < shortest ? gap : shortest;
            previous = next;
        }
        return shortest;
    }

    /// <summary>What Quartz's trigger is built from; a trigger whose description differs has drifted and is rebuilt.</summary>
    public string Fingerprint(DateTimeOffset startsAt) => Interval is { } interval
        ? string.Create(CultureInfo.InvariantCulture, $"every {interval.TotalSeconds:0} s from {startsAt.UtcDateTime:O}")
        : $"cron {Cron} in {ZoneId}";

    /// <summary>A time in the rule's zone, for people: <c>Mon 2026-03-02 08:00 (Europe/Berlin)</c>.</summary>
    public string Local(DateTimeOffset at)
    {
        var local = TimeZoneInfo.ConvertTime(at, Zone);
        return local.ToString(local.Second == 0 ? "ddd yyyy-MM-dd HH:mm" : "ddd yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + $" ({ZoneId})";
    }
}
