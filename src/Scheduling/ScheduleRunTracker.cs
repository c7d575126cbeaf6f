using Bot.Pipeline;
using Bot.Storage.Entities;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using static Bot.Pipeline.Sql;

namespace Bot.Scheduling;

/// <summary>
/// Settles queued runs once their turn is done and its messages have left the outbox: a run is delivered only when
/// every message of its turn reached <c>Sent</c> with a platform message id; otherwise it failed, with the outbox's
/// (or the turn's) error. Failures in a row where the chat refused the bot (403: the outbox marked the conversation
/// unreachable) pause the schedule, and the user is told the next time they write. Every replica runs one; a run is
/// settled once (a guarded update).
/// </summary>
public sealed partial class ScheduleRunTracker(
    NpgsqlDataSource dataSource,
    ScheduleTriggers triggers,
    IOptions<SchedulingOptions> options,
    ILogger<ScheduleRunTracker> logger) : BackgroundService
{
    private sealed record Settled(Guid RunId, Guid ScheduleId, string Channel, ScheduleRunStatus Status, string? Error, string? PlatformMessageId, bool Unreachable, string? UnreachableReason);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SettleAsync(stoppingToken);
                failures = 0;
                await Task.Delay(options.Value.StatusPoll, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                failures++;
                LogLoopFailed(logger, exception);
                await Backoff.DelayAsync(failures, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), stoppingToken);
            }
        }
    }

    /// <summary>Settles every queued run whose delivery has ended; returns how many.</summary>
    public async Task<int> SettleAsync(CancellationToken cancellationToken)
    {
        var settled = await FindSettledAsync(cancellationToken);
        var count = 0;
        foreach (var run in settled)
        {
            if (await RecordAsync(run, cancellationToken) is { } paused)
            {
                count++;
                // Counted by the replica whose guarded update settled the run, after its commit: once per run.
                SchedulingTelemetry.Deliveries.Add(1,
                    new KeyValuePair<string, object?>("channel", run.Channel),
                    new KeyValuePair<string, object?>("outcome", run.Status == ScheduleRunStatus.Delivered ? SchedulingTelemetry.Delivered : SchedulingTelemetry.Failed));
                if (paused)
                {
                    LogPaused(logger, run.ScheduleId, run.Error);
                    await triggers.RemoveAsync(run.ScheduleId, cancellationToken);
                }
            }
        }
        return count;
    }

    private async Task<List<Settled>> FindSettledAsync(CancellationToken cancellationToken)
    {
        // The turn's messages are committed with its inbox row, so once that row is done they are all in the outbox.
        // Later turns in the same thread (a reply to the briefing) are created after it and are not counted.
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT r.id, r.schedule_id, i.status, i.last_error,
                   count(o.id),
                   count(o.id) FILTER (WHERE o.status = '{nameof(OutboxStatus.Sent)}' AND coalesce(o.platform_message_id, '') <> ''),
                   (array_agg(o.status ORDER BY o.seq) FILTER (WHERE o.status NOT IN ('{nameof(OutboxStatus.Sent)}', '{nameof(OutboxStatus.Pending)}')))[1],
                   (array_agg(coalesce(o.last_error, o.status) ORDER BY o.seq) FILTER (WHERE o.status NOT IN ('{nameof(OutboxStatus.Sent)}', '{nameof(OutboxStatus.Pending)}')))[1],
                   (array_agg(o.platform_message_id ORDER BY o.seq) FILTER (WHERE o.status = '{nameof(OutboxStatus.Sent)}'))[1],
                   c.unreachable_reason,
                   c.channel
            FROM schedule_runs r
            JOIN inbox i ON i.id = r.inbox_id
            JOIN conversations c ON c.id = i.conversation_id
            LEFT JOIN outbox o ON o.thread_id = r.thread_id AND o.created_at <= i.processed_at
            WHERE r.status = '{nameof(ScheduleRunStatus.Queued)}' AND i.status <> '{nameof(InboxStatus.Pending)}'
            GROUP BY r.id, r.schedule_id, i.status, i.last_error, c.unreachable_reason, c.channel, r.created_at
            HAVING count(o.id) FILTER (WHERE o.status = '{nameof(OutboxStatus.Pending)}') = 0
            ORDER BY r.created_at
            LIMIT 100
            """);
        var runs = new List<Settled>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var turnStatus = reader.GetString(2);
            var turnError = reader.IsDBNull(3) ? null : reader.GetString(3);
            var total = reader.GetInt64(4);
            var sent = reader.GetInt64(5);
            var failedStatus = reader.IsDBNull(6) ? null : reader.GetString(6);
            var failedError = reader.IsDBNull(7) ? null : reader.GetString(7);
            var platformId = reader.IsDBNull(8) ? null : reader.GetString(8);
            var unreachableReason = reader.IsDBNull(9) ? null : reader.GetString(9);
            var (status, error, unreachable) = (turnStatus, total, sent, failedStatus) switch
            {
                (not nameof(InboxStatus.Done), _, _, _) => (ScheduleRunStatus.Failed, "The run failed: " + (turnError ?? "the turn did not complete"), false),
                (_, 0, _, _) => (ScheduleRunStatus.Failed, "The run produced no message to send.", false),
                (_, _, _, nameof(OutboxStatus.Unreachable)) => (ScheduleRunStatus.Failed, $"Not delivered: the chat refused the bot ({unreachableReason ?? failedError}).", true),
                (_, _, _, { } other) => (ScheduleRunStatus.Failed, $"Not delivered ({other.ToLowerInvariant()}): {failedError}", false),
                _ when sent == total => (ScheduleRunStatus.Delivered, (string?)null, false),
                _ => (ScheduleRunStatus.Failed, "Not delivered: the platform returned no message id.", false),
            };
            runs.Add(new Settled(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(10), status, error, status == ScheduleRunStatus.Delivered ? platformId : null, unreachable, unreachableReason ?? failedError));
        }
        return runs;
    }

    /// <summary>Records the outcome once; returns null when another replica already did, else whether the schedule was paused.</summary>
    private async Task<bool?> RecordAsync(Settled run, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var guard = new NpgsqlCommand(
            $"UPDATE schedule_runs SET status = $2, settled_at = now(), error = $3, platform_message_id = $4 WHERE id = $1 AND status = '{nameof(ScheduleRunStatus.Queued)}'",
            connection, transaction))
        {
            guard.Parameters.Add(new() { Value = run.RunId });
            guard.Parameters.Add(new() { Value = run.Status.ToString() });
            guard.Parameters.Add(new() { Value = (object?)run.Error ?? DBNull.Value });
            guard.Parameters.Add(new() { Value = (object?)run.PlatformMessageId ?? DBNull.Value });
            if (await guard.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                return null;
            }
        }

        var delivered = run.Status == ScheduleRunStatus.Delivered;
        var pauseAfter = options.Value.PauseAfterUnreachable;
        await using var update = new NpgsqlCommand(
            """
            WITH before AS (SELECT id, enabled, consecutive_failures FROM schedules WHERE id = $1 FOR UPDATE)
            UPDATE schedules s SET
                last_status = $2,
                last_error = $3,
                consecutive_failures = CASE WHEN $4 THEN 0 ELSE b.consecutive_failures + 1 END,
                enabled = s.enabled AND NOT ($5 AND b.consecutive_failures + 1 >= $6),
                paused_reason = CASE WHEN b.enabled AND $5 AND b.consecutive_failures + 1 >= $6 THEN $7 ELSE s.paused_reason END,
                pause_notice_pending = s.pause_notice_pending OR (b.enabled AND $5 AND b.consecutive_failures + 1 >= $6),
                updated_at = now()
            FROM before b
            WHERE s.id = b.id
            RETURNING b.enabled AND NOT s.enabled
            """, connection, transaction);
        update.Parameters.Add(new() { Value = run.ScheduleId });
        update.Parameters.Add(new() { Value = run.Status.ToString() });
        update.Parameters.Add(new() { Value = (object?)run.Error ?? DBNull.Value });
        update.Parameters.Add(new() { Value = delivered });
        update.Parameters.Add(new() { Value = run.Unreachable });
        update.Parameters.Add(new() { Value = pauseAfter });
        update.Parameters.Add(new() { Value = $"the chat kept refusing delivery ({run.UnreachableReason ?? "unreachable"})" });
        var pausedNow = await update.ExecuteScalarAsync(cancellationToken) is true;
        await transaction.CommitAsync(cancellationToken);
        return pausedNow;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedule {ScheduleId} was paused: {Error}")]
    private static partial void LogPaused(ILogger logger, Guid scheduleId, string? error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Settling scheduled runs failed; retrying with backoff")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception);
}
