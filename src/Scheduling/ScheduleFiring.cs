using System.Globalization;
using Bot.Pipeline.Model;
using Bot.Pipeline;
using Bot.Storage.Entities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using static Bot.Pipeline.Sql;

namespace Bot.Scheduling;

/// <summary>What a firing did.</summary>
public enum FiringOutcome { Queued, Skipped, NothingDue, Paused, Gone }

/// <summary>
/// A firing of a schedule, recorded as an inbound message: in one transaction, a fresh thread titled after the
/// schedule (the conversation's current thread stays where it is), the prompt as its first event, an inbox row whose
/// event id is the schedule and occurrence (so a duplicate firing stops at the inbox's unique index, like a platform
/// redelivery), and the run row. The normal turn workers answer it and the outbox delivers it, with the same crash
/// safety as a message a person wrote.
/// </summary>
public sealed partial class ScheduleFiring(
    NpgsqlDataSource dataSource,
    InboxRecorder inbox,
    PipelineSignals signals,
    TimeProvider clock,
    IOptions<SchedulingOptions> options,
    ILogger<ScheduleFiring> logger)
{
    public const string EventIdPrefix = "schedule:";

    /// <summary>The inbox event id of a schedule's occurrence: the same for every replica that fires it.</summary>
    public static string EventIdFor(Guid scheduleId, DateTimeOffset occurrence) =>
        EventIdPrefix + scheduleId.ToString("N") + ":" + occurrence.UtcDateTime.ToString("yyyyMMdd'T'HHmmss.fffffff'Z'", CultureInfo.InvariantCulture);

    public async Task<FiringOutcome> FireAsync(Guid scheduleId, string firedBy, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // The row lock orders concurrent firings of one schedule (two replicas, a catch-up beside a normal firing).
        var target = await LoadAsync(connection, transaction, scheduleId, cancellationToken);
        if (target is null)
        {
            return FiringOutcome.Gone;
        }
        var (schedule, channel, address, isGroup, platformUserId) = target.Value;
        if (!schedule.Enabled)
        {
            return FiringOutcome.Paused;
        }

        var rule = ScheduleRule.For(schedule);
        var grace = options.Value.MisfireGrace;
        switch (FiringDecision.Decide(rule, schedule.StartsAt, schedule.LastFireAt, now, grace))
        {
            case FiringDecision.Run run:
                if (!await QueueRunAsync(connection, transaction, schedule, run.Occurrence, channel, address, isGroup, platformUserId, firedBy, now, cancellationToken))
                {
                    // This occurrence is in the inbox already (another replica recorded it): nothing more to do.
                    return FiringOutcome.NothingDue;
                }
                await transaction.CommitAsync(cancellationToken);
                BotTelemetry.ScheduleFirings.Add(1, new KeyValuePair<string, object?>("channel", channel));
                signals.Inbox.Set();
                LogQueued(logger, schedule.Id, run.Occurrence);
                return FiringOutcome.Queued;
            case FiringDecision.Skip skip:
                var why = $"Skipped the run due {rule.Local(skip.Occurrence)}: the service was not running then, and it was back only {Describe(skip.Late)} later, past the grace period of {Describe(grace)}.";
                await RecordSkipAsync(connection, transaction, schedule.Id, skip.Occurrence, why, firedBy, now, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                LogSkipped(logger, schedule.Id, skip.Occurrence, skip.Late);
                return FiringOutcome.Skipped;
            default:
                return FiringOutcome.NothingDue;
        }
    }

    private static async Task<(Schedule Schedule, string Channel, string Address, bool IsGroup, string? PlatformUserId)?> LoadAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid scheduleId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
            SELECT {ScheduleRows.Columns}, c.channel, c.address, c.is_group,
                   (SELECT i.platform_user_id FROM channel_identities i
                    WHERE i.user_id = s.user_id AND i.channel = c.channel ORDER BY i.created_at LIMIT 1)
            FROM schedules s JOIN conversations c ON c.id = s.conversation_id
            WHERE s.id = $1
            FOR UPDATE OF s
            """, connection, transaction);
        command.Parameters.Add(new() { Value = scheduleId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var schedule = ScheduleRows.Read(reader);
        const int first = ScheduleRows.Count;
        return (schedule, reader.GetString(first), reader.GetString(first + 1), reader.GetBoolean(first + 2), reader.IsDBNull(first + 3) ? null : reader.GetString(first + 3));
    }

    /// <summary>Records the run's message through the inbox's door, then the run row and the schedule's last firing, in the caller's transaction.</summary>
    private async Task<bool> QueueRunAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Schedule schedule, DateTimeOffset occurrence,
        string channel, string address, bool isGroup, string? platformUserId, string firedBy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var message = new IncomingMessage
        {
            // No thread key: on channels with threads of their own the run starts a new top-level message.
            Address = new ConversationAddress(channel, address),
            EventId = EventIdFor(schedule.Id, occurrence),
            From = new Sender(platformUserId ?? EventIdPrefix + schedule.UserId.ToString("N"), schedule.Title),
            Text = schedule.Prompt,
            IsGroup = isGroup,
            Timestamp = occurrence,
            ScheduleId = schedule.Id,
        };
        var recorded = await inbox.RecordScheduledAsync(connection, transaction, message, new ScheduledRun(schedule.UserId, schedule.ConversationId, RunTitle(schedule, occurrence)), cancellationToken);
        if (recorded.Duplicate)
        {
            return false;
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO schedule_runs (id, schedule_id, fire_time, status, thread_id, inbox_id, fired_by, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """,
            Guid.CreateVersion7(now), schedule.Id, occurrence, nameof(ScheduleRunStatus.Queued), recorded.ThreadId, recorded.InboxId, firedBy, now));
        // The run's thread names its schedule, so the web app groups the runs under it instead of listing each one.
        batch.BatchCommands.Add(Command("UPDATE threads SET schedule_id = $2 WHERE id = $1", recorded.ThreadId, schedule.Id));
        batch.BatchCommands.Add(Command(
            "UPDATE schedules SET last_fire_at = $2, last_run_at = $3, last_status = $4, last_error = NULL WHERE id = $1",
            schedule.Id, occurrence, now, nameof(ScheduleRunStatus.Queued)));
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return true;
    }

    /// <summary>A run's thread title: the schedule's, and when the run was due in the schedule's time zone (<c>Morning briefing · Mon 2026-12-07 08:00</c>).</summary>
    internal static string RunTitle(Schedule schedule, DateTimeOffset occurrence)
    {
        var zone = ScheduleRule.For(schedule).Local(occurrence);
        var cut = zone.LastIndexOf(" (", StringComparison.Ordinal);
        return schedule.Title + " · " + (cut > 0 ? zone[..cut] : zone);
    }

    private static async Task RecordSkipAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid scheduleId, DateTimeOffset occurrence, string why, string firedBy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO schedule_runs (id, schedule_id, fire_time, status, fired_by, created_at, settled_at, error)
            VALUES ($1, $2, $3, $4, $5, $6, $6, $7)
            """,
            Guid.CreateVersion7(now), scheduleId, occurrence, nameof(ScheduleRunStatus.Skipped), firedBy, now, why));
        batch.BatchCommands.Add(Command(
            "UPDATE schedules SET last_fire_at = $2, last_run_at = $3, last_status = $4, last_error = $5 WHERE id = $1",
            scheduleId, occurrence, now, nameof(ScheduleRunStatus.Skipped), why));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    internal static string Describe(TimeSpan span) => span switch
    {
        { TotalSeconds: < 90 } => string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, (int)Math.Round(span.TotalSeconds))} s"),
        { TotalMinutes: < 90 } => string.Create(CultureInfo.InvariantCulture, $"{(int)Math.Round(span.TotalMinutes)} min"),
        { TotalHours: < 48 } => string.Create(CultureInfo.InvariantCulture, $"{span.TotalHours:0.#} h"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{span.TotalDays:0.#} days"),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule {ScheduleId} queued its run for {Occurrence:O}")]
    private static partial void LogQueued(ILogger logger, Guid scheduleId, DateTimeOffset occurrence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedule {ScheduleId} skipped its run for {Occurrence:O}: {Late} late, past the grace period")]
    private static partial void LogSkipped(ILogger logger, Guid scheduleId, DateTimeOffset occurrence, TimeSpan late);
}
