using Bot.Storage.Entities;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using static Bot.Pipeline.Sql;

namespace Bot.Scheduling;

/// <summary>
/// At start, makes Quartz's triggers mirror the schedules table: an enabled schedule with no trigger gets one, a
/// trigger with no enabled schedule behind it is removed, and a trigger whose rule (cron, zone, interval) differs
/// is rebuilt. Replicas starting together may both do it; each change is an idempotent upsert or delete.
/// </summary>
public sealed partial class ScheduleReconciler(NpgsqlDataSource dataSource, ScheduleTriggers triggers, ILogger<ScheduleReconciler> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var (added, updated, removed) = await ReconcileAsync(cancellationToken);
            LogReconciled(logger, added, updated, removed);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Not fatal: firings still check the table, and the next start tries again.
            LogFailed(logger, exception);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<(int Added, int Updated, int Removed)> ReconcileAsync(CancellationToken cancellationToken)
    {
        List<Schedule> schedules;
        await using (var command = dataSource.CreateCommand($"SELECT {ScheduleRows.Columns} FROM schedules s WHERE s.enabled"))
        {
            schedules = await ScheduleRows.ReadAllAsync(command, cancellationToken);
        }
        var existing = await triggers.ListAsync(cancellationToken);
        int added = 0, updated = 0, removed = 0;
        foreach (var schedule in schedules)
        {
            var fingerprint = ScheduleRule.For(schedule).Fingerprint(schedule.StartsAt);
            if (!existing.TryGetValue(schedule.Id.ToString(), out var current))
            {
                await triggers.UpsertAsync(schedule, cancellationToken);
                added++;
            }
            else if (!string.Equals(current, fingerprint, StringComparison.Ordinal))
            {
                LogDrifted(logger, schedule.Id, current, fingerprint);
                await triggers.UpsertAsync(schedule, cancellationToken);
                updated++;
            }
        }
        var wanted = schedules.Select(s => s.Id.ToString()).ToHashSet(StringComparer.Ordinal);
        foreach (var orphan in existing.Keys.Where(k => !wanted.Contains(k)))
        {
            // Look again: another replica may have created (or resumed) it since the table was read.
            if (Guid.TryParse(orphan, out var id) && !await IsEnabledAsync(id, cancellationToken))
            {
                await triggers.RemoveAsync(id, cancellationToken);
                removed++;
            }
        }
        return (added, updated, removed);
    }

    private async Task<bool> IsEnabledAsync(Guid scheduleId, CancellationToken cancellationToken)
    {
        await using var command = Command(dataSource, "SELECT EXISTS (SELECT 1 FROM schedules WHERE id = $1 AND enabled)", scheduleId);
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule triggers reconciled: {Added} added, {Updated} rebuilt, {Removed} removed")]
    private static partial void LogReconciled(ILogger logger, int added, int updated, int removed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The trigger of schedule {ScheduleId} had drifted ({Current}; the schedule says {Wanted}); rebuilding it")]
    private static partial void LogDrifted(ILogger logger, Guid scheduleId, string? current, string wanted);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reconciling schedule triggers at start failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
