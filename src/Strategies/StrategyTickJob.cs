using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Quartz;

namespace Bot.Strategies;

/// <summary>
/// The one Quartz job of the standing instructions, on the clustered store: its trigger fires every
/// <c>Strategies:TickSeconds</c> on one replica, which evaluates whatever is due (see <see cref="StrategyEvaluator"/>).
/// Concurrent execution is disallowed, and each row is taken under its lock anyway.
/// </summary>
[DisallowConcurrentExecution]
public sealed partial class StrategyTickJob(StrategyEvaluator evaluator, ILogger<StrategyTickJob> logger) : IJob
{
    public const string Group = "strategies";
    public const string Name = "evaluate";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            var done = await evaluator.EvaluateDueAsync(context.Scheduler.SchedulerInstanceId, cancellationToken);
            if (done.Count > 0)
            {
                LogEvaluated(logger, done.Count);
            }
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            // Nothing due was committed; the next tick finds the same rows due.
            LogFailed(logger, exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Evaluated {Count} standing instruction(s)")]
    private static partial void LogEvaluated(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Evaluating standing instructions failed; the next tick tries again")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

/// <summary>At start, makes sure the evaluator's trigger exists with the configured interval (replicas starting together both may; the upsert is idempotent).</summary>
public sealed partial class StrategyTickScheduler(ISchedulerFactory schedulers, IOptions<StrategiesOptions> options, ILogger<StrategyTickScheduler> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var scheduler = await schedulers.GetScheduler(cancellationToken);
            var key = new TriggerKey(StrategyTickJob.Name, StrategyTickJob.Group);
            var seconds = options.Value.TickSeconds;
            var description = $"every {seconds} s";
            if ((await scheduler.GetTrigger(key, cancellationToken))?.Description == description)
            {
                return;
            }
            var job = JobBuilder.Create<StrategyTickJob>().WithIdentity(StrategyTickJob.Name, StrategyTickJob.Group).WithDescription("Evaluates standing instructions").Build();
            var trigger = TriggerBuilder.Create()
                .WithIdentity(key)
                .WithDescription(description)
                .StartNow()
                .WithSchedule(CalendarIntervalScheduleBuilder.Create().WithInterval(seconds, IntervalUnit.Second)
                    // A missed tick is not made up: the next one evaluates whatever is due by then.
                    .WithMisfireInstruction(CalendarIntervalTriggerMisfireInstruction.DoNothing))
                .Build();
            await scheduler.ScheduleJob(job, trigger, ScheduleJobOptions.Replacing, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogFailed(logger, exception);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Error, Message = "Scheduling the standing instructions' evaluator failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
