namespace Bot.Storage.Entities;

/// <summary>
/// A proactive message a user asked for (a morning briefing, a weekly review). The source of truth for Quartz's
/// triggers, which mirror it. Exactly one of <see cref="Cron"/> and <see cref="IntervalSeconds"/> is set.
/// </summary>
public sealed class Schedule
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid UserId { get; set; }
    /// <summary>Where each firing is delivered.</summary>
    public Guid ConversationId { get; set; }
    public required string Title { get; set; }
    /// <summary>What the agent is asked at each firing: free text, or a command such as <c>/portfolio</c>.</summary>
    public required string Prompt { get; set; }
    /// <summary>A Quartz cron expression (seconds first), read in <see cref="TimeZone"/>.</summary>
    public string? Cron { get; set; }
    /// <summary>A fixed interval counted from <see cref="StartsAt"/>.</summary>
    public int? IntervalSeconds { get; set; }
    /// <summary>An IANA time zone id.</summary>
    public required string TimeZone { get; set; }
    /// <summary>The rule in words ("weekdays at 08:00").</summary>
    public required string Description { get; set; }
    public DateTimeOffset StartsAt { get; set; }
    public bool Enabled { get; set; } = true;
    public string? PausedReason { get; set; }
    /// <summary>The service paused it: the user is told the next time they write.</summary>
    public bool PauseNoticePending { get; set; }
    /// <summary>The message that created it, so a re-run turn does not create it twice.</summary>
    public string? SourceKey { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>The latest occurrence already run or skipped.</summary>
    public DateTimeOffset? LastFireAt { get; set; }
    public DateTimeOffset? LastRunAt { get; set; }
    public ScheduleRunStatus? LastStatus { get; set; }
    public string? LastError { get; set; }
    public int ConsecutiveFailures { get; set; }
}
