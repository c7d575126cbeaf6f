using Bot.Storage.Entities;
using Npgsql;

namespace Bot.Scheduling;

/// <summary>
/// How a <c>schedules</c> row is read with SQL. The table is SQL-only (a firing locks and updates it in the
/// transaction that records the run through the inbox, and the run tracker settles it with a guarded update), so every
/// read goes through this one column list, aliased <c>s</c>, and the one reader that turns it into a <see cref="Schedule"/>.
/// </summary>
internal static class ScheduleRows
{
    /// <summary>Every column, in the order <see cref="Read"/> expects; usable in SELECT (FROM schedules s) and RETURNING.</summary>
    public const string Columns =
        """
        s.id, s.user_id, s.conversation_id, s.title, s.prompt, s.cron, s.interval_seconds, s.time_zone, s.description,
        s.starts_at, s.enabled, s.paused_reason, s.pause_notice_pending, s.source_key, s.created_at, s.updated_at,
        s.last_fire_at, s.last_run_at, s.last_status, s.last_error, s.consecutive_failures
        """;

    /// <summary>How many columns <see cref="Columns"/> names: a query's own columns start at this ordinal.</summary>
    public const int Count = 21;

    public static Schedule Read(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetGuid(0),
        UserId = reader.GetGuid(1),
        ConversationId = reader.GetGuid(2),
        Title = reader.GetString(3),
        Prompt = reader.GetString(4),
        Cron = reader.IsDBNull(5) ? null : reader.GetString(5),
        IntervalSeconds = reader.IsDBNull(6) ? null : reader.GetInt32(6),
        TimeZone = reader.GetString(7),
        Description = reader.GetString(8),
        StartsAt = reader.GetFieldValue<DateTimeOffset>(9),
        Enabled = reader.GetBoolean(10),
        PausedReason = reader.IsDBNull(11) ? null : reader.GetString(11),
        PauseNoticePending = reader.GetBoolean(12),
        SourceKey = reader.IsDBNull(13) ? null : reader.GetString(13),
        CreatedAt = reader.GetFieldValue<DateTimeOffset>(14),
        UpdatedAt = reader.GetFieldValue<DateTimeOffset>(15),
        LastFireAt = reader.IsDBNull(16) ? null : reader.GetFieldValue<DateTimeOffset>(16),
        LastRunAt = reader.IsDBNull(17) ? null : reader.GetFieldValue<DateTimeOffset>(17),
        LastStatus = reader.IsDBNull(18) ? null : Enum.Parse<ScheduleRunStatus>(reader.GetString(18)),
        LastError = reader.IsDBNull(19) ? null : reader.GetString(19),
        ConsecutiveFailures = reader.GetInt32(20),
    };

    /// <summary>Runs <paramref name="command"/> and reads every row it returns (it selects or returns <see cref="Columns"/>).</summary>
    public static async Task<List<Schedule>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var schedules = new List<Schedule>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            schedules.Add(Read(reader));
        }
        return schedules;
    }
}
