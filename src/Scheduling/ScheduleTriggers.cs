using Bot.Storage.Entities;
using Quartz;

namespace Bot.Scheduling;

/// <summary>
/// Quartz's side of a schedule: one job and one trigger per schedule, keyed by the schedule id in the
/// <see cref="Group"/> group. The trigger's description is the rule's fingerprint, so drift is visible.
/// An enabled schedule has a trigger; a paused or deleted one has none.
/// </summary>
public sealed class ScheduleTriggers(ISchedulerFactory schedulers)
{
    public const string Group = "schedules";

    /// <summary>Creates or replaces the schedule's trigger, starting at its next occurrence after the last one handled.</summary>
    public async Task UpsertAsync(Schedule schedule, CancellationToken cancellationToken)
    {
        var rule = ScheduleRule.For(schedule);
        var start = rule.NextAfter(schedule.LastFireAt ?? schedule.StartsAt.AddTicks(-1), schedule.StartsAt);
        if (!schedule.Enabled || start is null)
        {
            await RemoveAsync(schedule.Id, cancellationToken);
            return;
        }
        var key = schedule.Id.ToString();
        var job = JobBuilder.Create<ScheduleFireJob>().WithIdentity(key, Group).WithDescription(schedule.Title).Build();
        // Misfires fire once, now: the job then runs the missed occurrence or records its skip (see ScheduleFiring).
        IScheduleBuilder when = rule.Cron is { } cron
            ? CronScheduleBuilder.Create(cron).InTimeZone(rule.Zone).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed)
            : CalendarIntervalScheduleBuilder.Create()
                .WithInterval(checked((int)rule.Interval!.Value.TotalSeconds), IntervalUnit.Second)
                .WithMisfireInstruction(CalendarIntervalTriggerMisfireInstruction.FireAndProceed);
        var trigger = TriggerBuilder.Create()
            .WithIdentity(key, Group)
            .WithDescription(rule.Fingerprint(schedule.StartsAt))
            .StartAt(start.Value)
            .WithSchedule(when)
            .Build();
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await scheduler.ScheduleJob(job, trigger, ScheduleJobOptions.Replacing, cancellationToken);
    }

    public async Task RemoveAsync(Guid scheduleId, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var key = new JobKey(scheduleId.ToString(), Group);
        try
        {
            await scheduler.DeleteJob(key, cancellationToken);
        }
        catch (SchedulerException)
        {
            // Removers race: a pause or delete, the job's own firing that found the schedule paused or gone, another
            // replica. Quartz reads the job's triggers, then unschedules each, and throws when one vanished in between.
            // Asking again finds no trigger left and succeeds; a trigger that really cannot be removed throws again.
            await scheduler.DeleteJob(key, cancellationToken);
        }
    }

    /// <summary>Every schedule trigger Quartz holds: the schedule id (as Quartz names it) and the trigger's fingerprint.</summary>
    public async Task<IReadOnlyDictionary<string, string?>> ListAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var page = await scheduler.QueryTriggers(new TriggerQuery { Group = GroupMatcher<TriggerKey>.GroupEquals(Group), Take = PagedQuery.All }, cancellationToken);
        return page.Items.ToDictionary(t => t.Key.Name, t => t.Description, StringComparer.Ordinal);
    }

    /// <summary>When Quartz will fire the schedule next (null when it has no trigger).</summary>
    public async Task<DateTimeOffset?> NextFireAsync(Guid scheduleId, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var trigger = await scheduler.GetTrigger(new TriggerKey(scheduleId.ToString(), Group), cancellationToken);
        return trigger?.NextFireTimeUtc;
    }
}
