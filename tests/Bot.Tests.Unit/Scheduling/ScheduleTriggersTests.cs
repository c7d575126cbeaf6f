using System.Reflection;
using Bot.Scheduling;
using Quartz;

namespace Bot.Tests.Unit.Scheduling;

/// <summary>
/// Removing a schedule's trigger while another remover does the same. Quartz's DeleteJob reads the job's triggers and
/// then unschedules each, throwing when one vanished in between; a pause raced the firing that found the schedule
/// paused that way and failed the person's turn ("something went wrong", seen under load in the Teams playground test).
/// Quartz has no hook between the two steps, so a scheduler that answers as Quartz does in that race stands in for it.
/// </summary>
public class ScheduleTriggersTests
{
    [Fact]
    public async Task A_removal_that_races_another_succeeds()
    {
        var scheduler = RacingScheduler.Create(failures: 1);
        await new ScheduleTriggers(RacingScheduler.FactoryOf(scheduler)).RemoveAsync(Guid.CreateVersion7(), CancellationToken.None);
        Assert.Equal(2, RacingScheduler.Deletes(scheduler));
    }

    [Fact]
    public async Task A_trigger_that_cannot_be_removed_still_fails_the_removal()
    {
        var scheduler = RacingScheduler.Create(failures: 2);
        await Assert.ThrowsAsync<SchedulerException>(
            () => new ScheduleTriggers(RacingScheduler.FactoryOf(scheduler)).RemoveAsync(Guid.CreateVersion7(), CancellationToken.None));
    }

    /// <summary>An <see cref="IScheduler"/> whose first <c>failures</c> DeleteJob calls throw as Quartz does when a trigger vanished; the next finds nothing to delete.</summary>
    public class RacingScheduler : DispatchProxy
    {
        private int failures;
        private int deletes;

        public static IScheduler Create(int failures)
        {
            var scheduler = Create<IScheduler, RacingScheduler>();
            ((RacingScheduler)(object)scheduler).failures = failures;
            return scheduler;
        }

        public static int Deletes(IScheduler scheduler) => ((RacingScheduler)(object)scheduler).deletes;

        public static ISchedulerFactory FactoryOf(IScheduler scheduler)
        {
            var factory = Create<ISchedulerFactory, Factory>();
            ((Factory)(object)factory).Scheduler = scheduler;
            return factory;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod?.Name != nameof(IScheduler.DeleteJob) || args?[0] is not JobKey key)
            {
                throw new NotSupportedException(targetMethod?.Name);
            }
            deletes++;
            return deletes <= failures
                ? Boxed(ValueTask.FromException<bool>(new SchedulerException($"Unable to unschedule trigger [{key}] while deleting job [{key}]")))
                : Boxed(ValueTask.FromResult(false));
        }

        /// <summary>A proxy returns the method's ValueTask as an object; the proxy's caller awaits it once.</summary>
        private static object Boxed<T>(ValueTask<T> task) => task;

        public class Factory : DispatchProxy
        {
            public IScheduler Scheduler { get; set; } = null!;

            protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
                targetMethod?.Name == nameof(ISchedulerFactory.GetScheduler) && args?.Length == 1
                    ? Boxed(ValueTask.FromResult(Scheduler))
                    : throw new NotSupportedException(targetMethod?.Name);
        }
    }
}
