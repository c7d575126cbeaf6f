using System.ComponentModel.DataAnnotations;

namespace Bot.Scheduling;

/// <summary>Scheduled proactive messages (section <c>Scheduling</c>).</summary>
public sealed class SchedulingOptions
{
    public const string Section = "Scheduling";

    /// <summary>
    /// A firing missed while no replica was running is run once when the service is back within this many minutes of
    /// it; later than that it is skipped, and the skip is recorded (shown by <c>/schedules</c>).
    /// </summary>
    [Range(0, 1440, ErrorMessage = "Scheduling:MisfireGraceMinutes must be between 0 and 1440 (minutes).")]
    public double MisfireGraceMinutes { get; set; } = 60;

    /// <summary>
    /// How late Quartz may fire a trigger before it counts the firing as misfired; a misfired trigger fires once, now.
    /// Either way the job then runs the occurrence or skips it by <see cref="MisfireGraceMinutes"/>.
    /// </summary>
    [Range(1, 3600, ErrorMessage = "Scheduling:MisfireThresholdSeconds must be between 1 and 3600.")]
    public double MisfireThresholdSeconds { get; set; } = 60;

    /// <summary>The shortest interval (and the shortest gap between cron firings) a user may schedule.</summary>
    [Range(1, 86_400, ErrorMessage = "Scheduling:MinIntervalSeconds must be between 1 and 86400.")]
    public int MinIntervalSeconds { get; set; } = 60;

    /// <summary>Schedules one user may have.</summary>
    [Range(1, 1_000, ErrorMessage = "Scheduling:MaxPerUser must be between 1 and 1000.")]
    public int MaxPerUser { get; set; } = 25;

    /// <summary>Consecutive failed deliveries, the last one because the chat refused the bot (403), that pause a schedule.</summary>
    [Range(1, 100, ErrorMessage = "Scheduling:PauseAfterUnreachable must be between 1 and 100.")]
    public int PauseAfterUnreachable { get; set; } = 2;

    /// <summary>How often queued runs are checked for the outcome of their delivery.</summary>
    [Range(0.05, 60, ErrorMessage = "Scheduling:StatusPollSeconds must be between 0.05 and 60.")]
    public double StatusPollSeconds { get; set; } = 2;

    /// <summary>How often each replica tells the Quartz cluster it is alive; a replica silent for longer is taken over.</summary>
    [Range(1, 600, ErrorMessage = "Scheduling:CheckinSeconds must be between 1 and 600.")]
    public double CheckinSeconds { get; set; } = 7.5;

    /// <summary>How long an idle scheduler waits before it looks for due triggers again (another replica's new schedules).</summary>
    [Range(1, 600, ErrorMessage = "Scheduling:IdleWaitSeconds must be between 1 and 600.")]
    public double IdleWaitSeconds { get; set; } = 10;

    public TimeSpan MisfireGrace => TimeSpan.FromMinutes(MisfireGraceMinutes);
    public TimeSpan MinInterval => TimeSpan.FromSeconds(MinIntervalSeconds);
    public TimeSpan StatusPoll => TimeSpan.FromSeconds(StatusPollSeconds);
}
