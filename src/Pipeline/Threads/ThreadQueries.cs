using Bot.Pipeline.Model;
using Npgsql;

namespace Bot.Pipeline.Threads;

public sealed record ThreadSummary(Guid Id, string Title, string Channel, string ConversationAddress, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, int EventCount);

public sealed record ThreadEventView(Guid Id, string Role, EventContent Content, DateTimeOffset CreatedAt);

/// <summary>A stored thread event as read for a prompt or a summary: its role, its JSON content, and when it happened.</summary>
public sealed record StoredEvent(string Role, string Content, DateTimeOffset CreatedAt);

/// <summary>
/// Reads of threads, their history, conversations and channel identities (for <c>/threads</c>, the web sidebar,
/// <c>/api/threads</c>, prompt building and summaries). These are pipeline tables, so plain SQL through Npgsql, the
/// style of the rest of the pipeline; EF Core is kept for the feature tables.
/// </summary>
public sealed class ThreadQueries(NpgsqlDataSource dataSource)
{
    public const string Untitled = "New thread";

    private const string SummaryColumns =
        """
        SELECT t.id, t.title, c.channel, c.address, t.created_at, t.updated_at,
               (SELECT count(*)::int FROM thread_events e WHERE e.thread_id = t.id)
        FROM threads t JOIN conversations c ON c.id = t.conversation_id
        """;

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

    /// <summary>Events of a thread in order; <paramref name="after"/> pages forward from an event id (an unknown id pages from the start).</summary>
    public async Task<IReadOnlyList<ThreadEventView>> EventsAsync(Guid threadId, Guid? after, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(after is null
            ? "SELECT id, role, content::text, created_at FROM thread_events WHERE thread_id = $1 ORDER BY created_at LIMIT $2"
            : """
              SELECT id, role, content::text, created_at FROM thread_events
              WHERE thread_id = $1 AND created_at > COALESCE((SELECT a.created_at FROM thread_events a WHERE a.id = $3), '-infinity')
              ORDER BY created_at LIMIT $2
              """);
        command.Parameters.Add(new() { Value = threadId });
        command.Parameters.Add(new() { Value = limit });
        if (after is { } afterId)
        {
            command.Parameters.Add(new() { Value = afterId });
        }
        var events = new List<ThreadEventView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new ThreadEventView(reader.GetGuid(0), reader.GetString(1), BotJson.Deserialize<EventContent>(reader.GetString(2)), reader.GetFieldValue<DateTimeOffset>(3)));
        }
        return events;
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

    private static ThreadSummary ReadSummary(NpgsqlDataReader reader) =>
        new(reader.GetGuid(0), reader.IsDBNull(1) ? Untitled : reader.GetString(1), reader.GetString(2), reader.GetString(3),
            reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetInt32(6));
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
}
