namespace Bot.Storage.Entities;

/// <summary>One occurrence of a schedule: the run queued for it and how its delivery ended, or the skip.</summary>
public sealed class ScheduleRun
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid ScheduleId { get; set; }
    /// <summary>The occurrence this run is for (the scheduled time, not when it ran).</summary>
    public DateTimeOffset FireTime { get; set; }
    public ScheduleRunStatus Status { get; set; }
    public Guid? ThreadId { get; set; }
    public Guid? InboxId { get; set; }
    /// <summary>The Quartz scheduler instance that fired it.</summary>
    public string? FiredBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? SettledAt { get; set; }
    public string? PlatformMessageId { get; set; }
    public string? Error { get; set; }
}
