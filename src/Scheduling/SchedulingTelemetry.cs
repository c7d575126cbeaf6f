using System.Diagnostics.Metrics;
using Bot.Pipeline;

namespace Bot.Scheduling;

/// <summary>
/// Scheduling's metrics, on the bot's meter beside <see cref="BotTelemetry.ScheduleFirings"/>: a firing queues a run;
/// a delivery is that run settled (<see cref="ScheduleRunTracker"/>), counted once whichever replica settles it.
/// </summary>
public static class SchedulingTelemetry
{
    /// <summary>Tag values of <see cref="Deliveries"/>' <c>outcome</c>.</summary>
    public const string Delivered = "delivered";
    public const string Failed = "failed";

    public static readonly Counter<long> Deliveries = BotTelemetry.Meter.CreateCounter<long>(
        "bot.schedule.deliveries", "{run}",
        "Scheduled runs settled, per channel and outcome (delivered: every message of the run reached the platform with a message id; failed: not).");
}
