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
                await QueueRunAsync(connection, transaction, schedule, run.Occurrence, channel, address, isGroup, platformUserId, firedBy, now, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
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
            """
            SELECT s.user_id, s.conversation_id, s.title, s.prompt, s.cron, s.interval_seconds, s.time_zone, s.description,
                   s.starts_at, s.enabled, s.last_fire_at, c.channel, c.address, c.is_group,
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
        var schedule = new Schedule
        {
            Id = scheduleId,
            UserId = reader.GetGuid(0),
            ConversationId = reader.GetGuid(1),
            Title = reader.GetString(2),
            Prompt = reader.GetString(3),
            Cron = reader.IsDBNull(4) ? null : reader.GetString(4),
            IntervalSeconds = reader.IsDBNull(5) ? null : reader.GetInt32(5),
            TimeZone = reader.GetString(6),
            Description = reader.GetString(7),
            StartsAt = reader.GetFieldValue<DateTimeOffset>(8),
            Enabled = reader.GetBoolean(9),
            LastFireAt = reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10),
        };
        return (schedule, reader.GetString(11), reader.GetString(12), reader.GetBoolean(13), reader.IsDBNull(14) ? null : reader.GetString(14));
    }

    private static async Task QueueRunAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Schedule schedule, DateTimeOffset occurrence,
        string channel, string address, bool isGroup, string? platformUserId, string firedBy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var threadId = Guid.CreateVersion7(now);
        var eventId = Guid.CreateVersion7(now);
        var inboxId = Guid.CreateVersion7(now);
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

        await using var batch = new NpgsqlBatch(connection, transaction);
        // A thread of its own that the conversation does not point at: the user's current thread is left alone.
        batch.BatchCommands.Add(Command(
            "INSERT INTO threads (id, user_id, conversation_id, title, status, created_at, updated_at) VALUES ($1, $2, $3, $4, 'Active', $5, $5)",
            threadId, schedule.UserId, schedule.ConversationId, schedule.Title, now));
        batch.BatchCommands.Add(Command(
            "INSERT INTO thread_events (id, thread_id, role, content, created_at) VALUES ($1, $2, $3, $4, $5)",
            eventId, threadId, EventRoles.User, Jsonb(BotJson.Serialize(new EventContent { Text = schedule.Prompt })), now));
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO inbox (id, channel, event_id, thread_id, conversation_id, user_id, thread_event_id, payload, status, attempts, received_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'Pending', 0, $9)
            """,
            inboxId, channel, message.EventId, threadId, schedule.ConversationId, schedule.UserId, eventId, Jsonb(BotJson.Serialize(message)), now));
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO schedule_runs (id, schedule_id, fire_time, status, thread_id, inbox_id, fired_by, created_at)
            VALUES ($1, $2, $3, 'Queued', $4, $5, $6, $7)
            """,
            Guid.CreateVersion7(now), schedule.Id, occurrence, threadId, inboxId, firedBy, now));
        batch.BatchCommands.Add(Command(
            "UPDATE schedules SET last_fire_at = $2, last_run_at = $3, last_status = 'Queued', last_error = NULL WHERE id = $1",
            schedule.Id, occurrence, now));
        batch.BatchCommands.Add(Command($"SELECT pg_notify('{PipelineSignals.InboxChannel}', '')"));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task RecordSkipAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid scheduleId, DateTimeOffset occurrence, string why, string firedBy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO schedule_runs (id, schedule_id, fire_time, status, fired_by, created_at, settled_at, error)
            VALUES ($1, $2, $3, 'Skipped', $4, $5, $5, $6)
            """,
            Guid.CreateVersion7(now), scheduleId, occurrence, firedBy, now, why));
        batch.BatchCommands.Add(Command(
            "UPDATE schedules SET last_fire_at = $2, last_run_at = $3, last_status = 'Skipped', last_error = $4 WHERE id = $1",
            scheduleId, occurrence, now, why));
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
