using System.Text;
using Npgsql;

namespace Bot.Pipeline.Threads;

/// <summary>Which of a person's threads a page lists.</summary>
public enum ThreadListKind
{
    /// <summary>Neither archived nor a scheduled run.</summary>
    Active,

    /// <summary>Archived ones (not scheduled runs).</summary>
    Archived,

    /// <summary>The runs of one schedule.</summary>
    ScheduleRuns,
}

/// <summary>A schedule's runs as one entry of the web sidebar: how many, and the newest.</summary>
public sealed record ScheduleRunGroup(Guid ScheduleId, string Title, int RunCount, Guid LastRunThreadId, DateTimeOffset LastRunAt, string LastOutcome);

/// <summary>A position in a list of threads ordered by last activity: the last one shown (time, then id).</summary>
public readonly record struct ThreadPosition(DateTimeOffset UpdatedAt, Guid Id);

/// <summary>The web app's reads: pages of threads, search, the schedules' run groups.</summary>
public sealed partial class ThreadQueries
{
    /// <summary>Marks a matched word in a search snippet (start and end); stripped from the stored text before highlighting.</summary>
    public const char MatchStart = '\u0001';

    public const char MatchEnd = '\u0002';

    /// <summary>
    /// A page of the person's threads, newest activity first (then id, so threads touched in the same microsecond are
    /// neither repeated nor skipped between pages), after <paramref name="before"/>.
    /// </summary>
    public async Task<IReadOnlyList<ThreadSummary>> PageAsync(Guid userId, ThreadListKind kind, Guid? scheduleId, ThreadPosition? before, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = limit });
        var sql = new StringBuilder(SummaryColumns).Append(" WHERE t.user_id = $1 AND ");
        switch (kind)
        {
            case ThreadListKind.ScheduleRuns:
                command.Parameters.Add(new() { Value = scheduleId ?? throw new ArgumentNullException(nameof(scheduleId)) });
                sql.Append("t.schedule_id = $3");
                break;
            case ThreadListKind.Archived:
                sql.Append("t.archived_at IS NOT NULL AND t.schedule_id IS NULL");
                break;
            default:
                sql.Append("t.archived_at IS NULL AND t.schedule_id IS NULL");
                break;
        }
        if (before is { } position)
        {
            command.Parameters.Add(new() { Value = position.UpdatedAt });
            command.Parameters.Add(new() { Value = position.Id });
            sql.Append(" AND (t.updated_at, t.id) < ($").Append(command.Parameters.Count - 1).Append(", $").Append(command.Parameters.Count).Append(')');
        }
        command.CommandText = sql.Append(" ORDER BY t.updated_at DESC, t.id DESC LIMIT $2").ToString();
        return await ReadSummariesAsync(command, search: false, cancellationToken);
    }

    /// <summary>
    /// The person's threads whose messages (theirs and the bot's) match <paramref name="query"/> (PostgreSQL full-text
    /// search, web search syntax: words, "a phrase", -word, or), best match first: each thread once, with its best
    /// matching message as a snippet. Paged by position in the ranking.
    /// </summary>
    public async Task<IReadOnlyList<ThreadSummary>> SearchAsync(Guid userId, string query, int offset, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            WITH q AS (SELECT websearch_to_tsquery('english', $2) AS query),
            hits AS (
                SELECT DISTINCT ON (e.thread_id) e.thread_id, e.id AS event_id, ts_rank(e.search, q.query) AS rank, e.content->>'text' AS text, e.created_at
                  FROM thread_events e JOIN threads h ON h.id = e.thread_id, q
                 WHERE h.user_id = $1 AND e.search @@ q.query AND e.role IN ('user', 'assistant')
                 ORDER BY e.thread_id, ts_rank(e.search, q.query) DESC, e.created_at DESC)
            SELECT x.event_id,
                   ts_headline('english', translate(x.text, chr(1) || chr(2), ''), q.query,
                               'StartSel=' || chr(1) || ', StopSel=' || chr(2) || ', MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'),
                   {SummaryList}
              FROM hits x JOIN threads t ON t.id = x.thread_id JOIN conversations c ON c.id = t.conversation_id
            CROSS JOIN q
            ORDER BY x.rank DESC, t.updated_at DESC, t.id DESC
            LIMIT $3 OFFSET $4
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = query });
        command.Parameters.Add(new() { Value = limit });
        command.Parameters.Add(new() { Value = offset });
        return await ReadSummariesAsync(command, search: true, cancellationToken);
    }

    /// <summary>
    /// One entry per schedule with at least one run thread of the person's, newest run first; with
    /// <paramref name="channel"/> and <paramref name="address"/>, only the runs posted to that one chat (a group chat's
    /// listing names nothing from elsewhere).
    /// </summary>
    public async Task<IReadOnlyList<ScheduleRunGroup>> ScheduleGroupsAsync(Guid userId, CancellationToken cancellationToken, string? channel = null, string? address = null)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT g.schedule_id, COALESCE(s.title, l.title, 'Schedule'), g.runs, l.id, l.created_at, r.status, r.error
              FROM (SELECT t.schedule_id, count(*)::int AS runs FROM threads t JOIN conversations c ON c.id = t.conversation_id
                     WHERE t.user_id = $1 AND t.schedule_id IS NOT NULL AND ($2::text IS NULL OR (c.channel = $2 AND c.address = $3))
                     GROUP BY t.schedule_id) g
             CROSS JOIN LATERAL (SELECT t.id, t.title, t.created_at FROM threads t JOIN conversations c ON c.id = t.conversation_id
                                  WHERE t.user_id = $1 AND t.schedule_id = g.schedule_id AND ($2::text IS NULL OR (c.channel = $2 AND c.address = $3))
                                  ORDER BY t.created_at DESC, t.id DESC LIMIT 1) l
              LEFT JOIN schedules s ON s.id = g.schedule_id AND s.user_id = $1
              LEFT JOIN LATERAL (SELECT sr.status, sr.error FROM schedule_runs sr WHERE sr.thread_id = l.id ORDER BY sr.created_at DESC LIMIT 1) r ON true
             ORDER BY l.created_at DESC, l.id DESC
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = channel is null ? DBNull.Value : channel, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = address is null ? DBNull.Value : address, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var groups = new List<ScheduleRunGroup>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var status = reader.IsDBNull(5) ? null : reader.GetString(5);
            var error = reader.IsDBNull(6) ? null : reader.GetString(6);
            groups.Add(new ScheduleRunGroup(reader.GetGuid(0), reader.GetString(1), reader.GetInt32(2), reader.GetGuid(3), reader.GetFieldValue<DateTimeOffset>(4),
                Outcome(status, error)));
        }
        return groups;
    }

    /// <summary>A run's status in a few words: "delivered", "failed: why", "running", "skipped".</summary>
    internal static string Outcome(string? status, string? error) => status switch
    {
        "Delivered" => "delivered",
        "Queued" => "running",
        "Skipped" => "skipped",
        "Failed" => "failed: " + (error ?? "unknown error"),
        null => "no record",
        _ => status.ToLowerInvariant(),
    };

    /// <summary>Whether the event belongs to the thread.</summary>
    public async Task<bool> HasEventAsync(Guid threadId, Guid eventId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT 1 FROM thread_events WHERE id = $1 AND thread_id = $2");
        command.Parameters.Add(new() { Value = eventId });
        command.Parameters.Add(new() { Value = threadId });
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    private static async Task<IReadOnlyList<ThreadSummary>> ReadSummariesAsync(NpgsqlCommand command, bool search, CancellationToken cancellationToken)
    {
        var threads = new List<ThreadSummary>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            threads.Add(search
                ? ReadSummary(reader, 2) with { MatchEventId = reader.GetGuid(0), Snippet = reader.IsDBNull(1) ? null : reader.GetString(1) }
                : ReadSummary(reader, 0));
        }
        return threads;
    }
}
