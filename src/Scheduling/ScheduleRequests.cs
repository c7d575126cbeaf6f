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

/// <summary>What a <c>/schedule</c> argument asks for.</summary>
public abstract record ScheduleCommandRequest
{
    private ScheduleCommandRequest() { }

    public sealed record Create(ScheduleWhen When, string? ZoneId, string Title, string Prompt) : ScheduleCommandRequest;

    /// <summary><c>pause</c>, <c>resume</c> or <c>delete</c> one schedule, named by its short code or id.</summary>
    public sealed record Manage(string Verb, string Reference) : ScheduleCommandRequest;

    public sealed record Help : ScheduleCommandRequest;

    /// <summary>Malformed input; <paramref name="Error"/> says what was wrong, in words for the user.</summary>
    public sealed record Invalid(string Error) : ScheduleCommandRequest;
}
