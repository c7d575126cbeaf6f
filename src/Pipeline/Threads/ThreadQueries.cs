using System.Globalization;
using Bot.Pipeline.Model;
using Npgsql;

namespace Bot.Pipeline.Threads;

public sealed record ThreadSummary(Guid Id, string Title, string Channel, string ConversationAddress, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, int EventCount)
{
    public bool Archived { get; init; }

    /// <summary>The schedule whose run opened the thread.</summary>
    public Guid? ScheduleId { get; init; }

    /// <summary>The web (Direct Line) conversation whose messages go to this thread now, if any.</summary>
    public string? WebAddress { get; init; }

    /// <summary>In search results: the best-matching message, with the matched words between U+0001 and U+0002.</summary>
    public string? Snippet { get; init; }

    public Guid? MatchEventId { get; init; }
}

/// <summary>A thread event as its history shows it: the text and the button pressed.</summary>
public sealed record ThreadEventView(Guid Id, string Role, string? Text, ActionInvoke? Action, DateTimeOffset CreatedAt, Card? Card = null);

/// <summary>
/// A thread event as prompt building reads it. An event the caller already holds comes bare (id and time); the others
/// come with their role and whether they are a sub-agent's step, and with their content unless they are.
/// </summary>
public sealed record PromptEventRow(Guid Id, DateTimeOffset CreatedAt, string? Role = null, bool Subagent = false, string? Content = null)
{
    public bool Bare => Role is null;
}

/// <summary>A stored thread event as read for a prompt or a summary: its role, its JSON content, and when it happened.</summary>
public sealed record StoredEvent(string Role, string Content, DateTimeOffset CreatedAt);

/// <summary>
/// Reads of threads, their history, conversations and channel identities (for <c>/threads</c>, the web sidebar,
/// <c>/api/threads</c>, prompt building and summaries). These are pipeline tables, so plain SQL through Npgsql, the
/// style of the rest of the pipeline; EF Core is kept for the feature tables.
/// </summary>
public sealed partial class ThreadQueries(NpgsqlDataSource dataSource)
{
    public const string Untitled = "New thread";

    /// <summary>An event's content as a prompt reads it: buttons and platform message ids are never part of a prompt.</summary>
    private const string PromptContent = "(content - 'buttons' - 'platformMessageId' - 'cardKey')::text";

    /// <summary>A sub-agent's step (its content names the task); prompts leave these out.</summary>
    private const string IsSubagentStep = "(content->>'subagent' IS NOT NULL)";

    /// <summary>A thread's summary (<see cref="ReadSummary"/>), over <c>threads t</c> and its conversation <c>c</c>.</summary>
    private const string SummaryList =
        """
        t.id, t.title, c.channel, c.address, t.created_at, t.updated_at,
               (SELECT count(*)::int FROM thread_events e WHERE e.thread_id = t.id),
               t.archived_at IS NOT NULL, t.schedule_id,
               (SELECT b.address FROM conversations b WHERE b.current_thread_id = t.id AND b.channel = 'web' ORDER BY b.created_at DESC LIMIT 1)
        """;

    private const string SummaryColumns = "SELECT " + SummaryList + " FROM threads t JOIN conversations c ON c.id = t.conversation_id";

    public async Task<IReadOnlyList<ThreadSummary>> RecentAsync(Guid userId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(SummaryColumns + " WHERE t.user_id = $1 ORDER BY t.updated_at DESC LIMIT $2");
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = limit });
        var threads = new List<ThreadSummary>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            threads.Add(ReadSummary(reader));
        }
        return threads;
    }

    public async Task<ThreadSummary?> FindAsync(Guid threadId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(SummaryColumns + " WHERE t.id = $1");
        command.Parameters.Add(new() { Value = threadId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadSummary(reader) : null;
    }

    public async Task<Guid?> OwnerOfAsync(Guid threadId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT user_id FROM threads WHERE id = $1");
        command.Parameters.Add(new() { Value = threadId });
        return await command.ExecuteScalarAsync(cancellationToken) is Guid userId ? userId : null;
    }

    /// <summary>
    /// The final state of the card an event <c>e</c> carried: the card of the thread's last outbox row that drew it (the
    /// message, or the last redraw after a decision or an expiry), whatever channel it went to.
    /// </summary>
    private const string FinalCard =
        "CASE WHEN e.content ? 'cardKey' THEN (SELECT (o.payload->'card')::text FROM outbox o WHERE o.thread_id = e.thread_id AND o.payload->'card'->>'key' = e.content->>'cardKey' ORDER BY o.seq DESC LIMIT 1) END";

    private const string EventViewColumns =
        "SELECT e.id, e.role, e.content->>'text', (e.content->'action')::text, e.created_at, " + FinalCard + " FROM thread_events e";

    /// <summary>
    /// Events of a thread in order (time, then id), as its history shows them: the text and the action are taken out of
    /// the content in SQL. <paramref name="after"/> pages forward from an event id (an unknown id, or one of another
    /// thread, pages from the start); the keyset (created_at, id) keeps every page on the (thread_id, created_at)
    /// index however deep it is, with no gap or repeat when events share a timestamp.
    /// </summary>
    public async Task<IReadOnlyList<ThreadEventView>> EventsAsync(Guid threadId, Guid? after, int limit, CancellationToken cancellationToken, string? outsideWebConversation = null)
    {
        // Events of turns recorded from the web conversation <outsideWebConversation> are left out, when it is given.
        const string Outside = """

                AND ($4::text IS NULL OR NOT EXISTS (
                    SELECT 1 FROM inbox i JOIN conversations c ON c.id = i.conversation_id
                     WHERE (i.id = e.turn_id OR (i.thread_id = e.thread_id AND i.thread_event_id = e.id))
                       AND c.channel = 'web' AND c.address = $4))
            """;
        await using var command = dataSource.CreateCommand(after is null
            ? EventViewColumns + " WHERE e.thread_id = $1 AND $3::uuid IS NULL" + Outside + " ORDER BY e.created_at, e.id LIMIT $2"
            : EventViewColumns + """

              WHERE e.thread_id = $1
                AND (e.created_at, e.id) > (SELECT COALESCE(a.created_at, '-infinity'), COALESCE(a.id, '00000000-0000-0000-0000-000000000000')
                                            FROM (VALUES (1)) AS one (x) LEFT JOIN thread_events a ON a.id = $3 AND a.thread_id = $1)
              """ + Outside + """

              ORDER BY e.created_at, e.id LIMIT $2
              """);
        command.Parameters.Add(new() { Value = threadId });
        command.Parameters.Add(new() { Value = limit });
        command.Parameters.Add(new() { Value = (object?)after ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new() { Value = (object?)outsideWebConversation ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var events = new List<ThreadEventView>(Math.Min(limit, 1_000));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new ThreadEventView(reader.GetGuid(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : BotJson.Deserialize<ActionInvoke>(reader.GetString(3)), reader.GetFieldValue<DateTimeOffset>(4),
                reader.IsDBNull(5) ? null : BotJson.Deserialize<Card>(reader.GetString(5))));
        }
        return events;
    }

    /// <summary>
    /// A page of a thread's events for a prompt, newest first: newer than <paramref name="after"/> (the summary's bound)
    /// and older than the <paramref name="before"/> cursor (time, then id). Events at or before
    /// <paramref name="knownThrough"/> come bare (the caller holds them); the others come with what a prompt needs:
    /// the content without buttons and platform message ids, and none for a sub-agent's step, which prompts leave out.
    /// Like <see cref="EventPageAsync"/>, the statement names only the bounds it has.
    /// </summary>
    public async Task<IReadOnlyList<PromptEventRow>> PromptPageAsync(Guid threadId, DateTimeOffset? after, (DateTimeOffset At, Guid Id)? before, DateTimeOffset? knownThrough, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        command.Parameters.Add(new() { Value = threadId });
        command.Parameters.Add(new() { Value = limit });
        var sql = new System.Text.StringBuilder("SELECT id, created_at, ");
        if (knownThrough is { } known)
        {
            command.Parameters.Add(new() { Value = known });
            var unknown = $"created_at > ${command.Parameters.Count}";
            sql.Append(CultureInfo.InvariantCulture, $"CASE WHEN {unknown} THEN role END, CASE WHEN {unknown} THEN {IsSubagentStep} END, CASE WHEN {unknown} AND NOT {IsSubagentStep} THEN {PromptContent} END");
        }
        else
        {
            sql.Append(CultureInfo.InvariantCulture, $"role, {IsSubagentStep}, CASE WHEN NOT {IsSubagentStep} THEN {PromptContent} END");
        }
        sql.Append(" FROM thread_events WHERE thread_id = $1");
        if (after is { } lower)
        {
            command.Parameters.Add(new() { Value = lower });
            sql.Append(CultureInfo.InvariantCulture, $" AND created_at > ${command.Parameters.Count}");
        }
        if (before is { } upper)
        {
            command.Parameters.Add(new() { Value = upper.At });
            command.Parameters.Add(new() { Value = upper.Id });
            sql.Append(CultureInfo.InvariantCulture, $" AND (created_at, id) < (${command.Parameters.Count - 1}, ${command.Parameters.Count})");
        }
        command.CommandText = sql.Append(" ORDER BY created_at DESC, id DESC LIMIT $2").ToString();
        var rows = new List<PromptEventRow>(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(reader.IsDBNull(2)
                ? new PromptEventRow(reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1))
                : new PromptEventRow(reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.GetBoolean(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }
        return rows;
    }

    /// <summary>Events by id as <see cref="PromptPageAsync"/> reads the ones the caller does not hold (for those it came to miss).</summary>
    public async Task<Dictionary<Guid, PromptEventRow>> PromptEventsAsync(IReadOnlyCollection<Guid> eventIds, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT id, created_at, role, {IsSubagentStep}, CASE WHEN NOT {IsSubagentStep} THEN {PromptContent} END FROM thread_events WHERE id = ANY($1)");
        command.Parameters.Add(new() { Value = eventIds.ToArray() });
        var rows = new Dictionary<Guid, PromptEventRow>(eventIds.Count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows[reader.GetGuid(0)] = new PromptEventRow(reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.GetBoolean(3),
                reader.IsDBNull(4) ? null : reader.GetString(4));
        }
        return rows;
    }

    /// <summary>
    /// One page of a thread's events strictly between <paramref name="after"/> and <paramref name="before"/> (either
    /// may be null), newest first or oldest first, served by the (thread_id, created_at) index. The statement names only
    /// the bounds it has, so a prepared (generic) plan never scans past them.
    /// </summary>
    public async Task<IReadOnlyList<StoredEvent>> EventPageAsync(Guid threadId, DateTimeOffset? after, DateTimeOffset? before, int limit, bool newestFirst, CancellationToken cancellationToken)
    {
        var sql = new System.Text.StringBuilder("SELECT role, content::text, created_at FROM thread_events WHERE thread_id = $1");
        await using var command = dataSource.CreateCommand();
        command.Parameters.Add(new() { Value = threadId });
        command.Parameters.Add(new() { Value = limit });
        if (after is { } lower)
        {
            command.Parameters.Add(new() { Value = lower });
            sql.Append(" AND created_at > $").Append(command.Parameters.Count);
        }
        if (before is { } upper)
        {
            command.Parameters.Add(new() { Value = upper });
            sql.Append(" AND created_at < $").Append(command.Parameters.Count);
        }
        sql.Append(newestFirst ? " ORDER BY created_at DESC LIMIT $2" : " ORDER BY created_at LIMIT $2");
        command.CommandText = sql.ToString();
        var events = new List<StoredEvent>(Math.Min(limit, 256));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new StoredEvent(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }
        return events;
    }

    /// <summary>The rolling summary of a thread and the time it covers (null when the thread does not exist).</summary>
    public async Task<(string? Summary, DateTimeOffset? Through)?> SummaryOfAsync(Guid threadId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT summary, summary_through FROM threads WHERE id = $1");
        command.Parameters.Add(new() { Value = threadId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return (reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1));
    }

    /// <summary>The channel a conversation belongs to.</summary>
    public async Task<string> ChannelOfConversationAsync(Guid conversationId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT channel FROM conversations WHERE id = $1");
        command.Parameters.Add(new() { Value = conversationId });
        return await command.ExecuteScalarAsync(cancellationToken) as string
            ?? throw new InvalidOperationException($"Conversation {conversationId} does not exist.");
    }

    public async Task<Guid?> UserForIdentityAsync(string channel, string platformUserId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT user_id FROM channel_identities WHERE channel = $1 AND platform_user_id = $2");
        command.Parameters.Add(new() { Value = channel });
        command.Parameters.Add(new() { Value = platformUserId });
        return await command.ExecuteScalarAsync(cancellationToken) is Guid userId ? userId : null;
    }

    /// <summary>The user's first channel identity as <c>channel:platformUserId</c> (oldest first), or null.</summary>
    public async Task<string?> FirstIdentityOfAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT channel || ':' || platform_user_id FROM channel_identities WHERE user_id = $1 ORDER BY created_at, id LIMIT 1");
        command.Parameters.Add(new() { Value = userId });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    private static ThreadSummary ReadSummary(NpgsqlDataReader reader, int at = 0) =>
        new(reader.GetGuid(at), reader.IsDBNull(at + 1) ? Untitled : reader.GetString(at + 1), reader.GetString(at + 2), reader.GetString(at + 3),
            reader.GetFieldValue<DateTimeOffset>(at + 4), reader.GetFieldValue<DateTimeOffset>(at + 5), reader.GetInt32(at + 6))
        {
            Archived = reader.GetBoolean(at + 7),
            ScheduleId = reader.IsDBNull(at + 8) ? null : reader.GetGuid(at + 8),
            WebAddress = reader.IsDBNull(at + 9) ? null : reader.GetString(at + 9),
        };
}

/// <summary>Makes a short thread title from its first message (command mode; the LLM names threads itself later).</summary>
public static class ThreadTitles
{
    public const int MaxLength = 60;

    public static string? FromFirstMessage(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var collapsed = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (collapsed.Length <= MaxLength)
        {
            return collapsed;
        }
        var cut = collapsed.LastIndexOf(' ', MaxLength - 1);
        return (cut > MaxLength / 2 ? collapsed[..cut] : collapsed[..(MaxLength - 1)]) + "…";
    }

    /// <summary>The text cut to <paramref name="max"/> characters (an ellipsis ending a cut one).</summary>
    public static string Clip(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    /// <summary>
    /// Commands that say nothing about what the thread is for (asking for help, starting over, listing threads, a sign-in link, a connect code: that one is a secret);
    /// a thread that began with one is named by its next message.
    /// </summary>
    private static readonly HashSet<string> Unnaming = new(StringComparer.Ordinal) { "/help", "/start", "/new", "/threads", "/web", "/connect", "/disconnect" };

    /// <summary>
    /// A title from a command the thread began with: the command's name as a word and its argument
    /// (<c>/buy 10 AAPL</c> gives <c>Buy 10 AAPL</c>, <c>/portfolio</c> gives <c>Portfolio</c>); null for a command that
    /// names nothing (<c>/help</c>).
    /// </summary>
    public static string? FromCommand(string command, string argument)
    {
        if (command.Length < 2 || !command.StartsWith('/') || Unnaming.Contains(command))
        {
            return null;
        }
        var name = command[1..].Replace('_', ' ');
        var word = char.ToUpperInvariant(name[0]) + name[1..];
        return FromFirstMessage(argument.Length == 0 ? word : word + " " + argument);
    }
}
