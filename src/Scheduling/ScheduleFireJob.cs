using Microsoft.Extensions.Logging;
using Npgsql;
using Quartz;

namespace Bot.Scheduling;

/// <summary>
/// The Quartz job of every schedule (the trigger's name is the schedule id). It records the firing and returns:
/// the turn and the delivery happen in the normal pipeline. A schedule that is gone or paused loses its trigger.
/// </summary>
public sealed partial class ScheduleFireJob(ScheduleFiring firing, ScheduleTriggers triggers, ILogger<ScheduleFireJob> logger) : IJob
{
    private const int Attempts = 3;

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(context.Trigger.Key.Name, out var scheduleId))
        {
            return;
        }
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var outcome = await firing.FireAsync(scheduleId, context.Scheduler.SchedulerInstanceId, cancellationToken);
                if (outcome is FiringOutcome.Gone or FiringOutcome.Paused)
                {
                    // The schedules table is the truth: a trigger without an enabled schedule behind it goes.
                    LogRemovingTrigger(logger, scheduleId, outcome);
                    await triggers.RemoveAsync(scheduleId, cancellationToken);
                }
                return;
            }
            catch (NpgsqlException exception) when (exception.IsTransient && attempt < Attempts && !cancellationToken.IsCancellationRequested)
            {
                LogRetrying(logger, exception, scheduleId);
                await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken);
            }
            catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException)
            {
                // The occurrence is not recorded; the next firing handles the schedule's latest occurrence again.
                LogFailed(logger, exception, scheduleId);
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule {ScheduleId} fired but is {Outcome}; removing its trigger")]
    private static partial void LogRemovingTrigger(ILogger logger, Guid scheduleId, FiringOutcome outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording a firing of schedule {ScheduleId} failed; trying again")]
    private static partial void LogRetrying(ILogger logger, Exception exception, Guid scheduleId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Recording a firing of schedule {ScheduleId} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, Guid scheduleId);
}
