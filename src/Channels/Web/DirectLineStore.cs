using System.Globalization;
using System.Text;
using Bot.Pipeline;
using Npgsql;
using NpgsqlTypes;

namespace Bot.Channels.Web;

/// <summary>A page of a Direct Line conversation's activities, as JSON text, and the watermark after it.</summary>
public sealed record ActivityPage(IReadOnlyList<string> Activities, string? Watermark)
{
    /// <summary>The Direct Line <c>ActivitySet</c> JSON: <c>{"activities":[...],"watermark":"N"}</c>.</summary>
    public string ToActivitySetJson()
    {
        var builder = new StringBuilder(64 + Activities.Sum(a => a.Length + 1));
        builder.Append("{\"activities\":[");
        builder.AppendJoin(',', Activities);
        builder.Append(']');
        if (Watermark is not null)
        {
            builder.Append(",\"watermark\":\"").Append(Watermark).Append('"');
        }
        builder.Append('}');
        return builder.ToString();
    }
}

/// <summary>The Direct Line activity log in PostgreSQL: the watermark is the row's sequence number.</summary>
public sealed class DirectLineStore(NpgsqlDataSource dataSource, PgNotifier notifier, TimeProvider clock)
{
    public const string ChannelName = "web";

    public async Task<string> CreateConversationAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var address = Guid.CreateVersion7(now).ToString("N");
        await using var command = dataSource.CreateCommand(
            "INSERT INTO conversations (id, channel, address, reference, is_group, created_at) VALUES ($1, $2, $3, '{}', false, $4)");
        command.Parameters.Add(new() { Value = Guid.CreateVersion7(now) });
        command.Parameters.Add(new() { Value = ChannelName });
        command.Parameters.Add(new() { Value = address });
        command.Parameters.Add(new() { Value = now });
        await command.ExecuteNonQueryAsync(cancellationToken);
        return address;
    }

    /// <summary>
    /// The web conversation that continues <paramref name="threadId"/> (a thread of any channel, or a scheduled run):
    /// the newest web conversation whose current thread it is, or a new one bound to it. The recorder sends a
    /// conversation's messages to its current thread, and a turn's replies go to the conversation its message came
    /// from, so what the person writes there lands in that thread and is answered on the web. (Two concurrent first
    /// opens may each make one; both continue the same thread.)
    /// </summary>
    public async Task<string> ConversationForThreadAsync(Guid threadId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var command = dataSource.CreateCommand(
            """
            WITH thread AS (SELECT id FROM threads WHERE id = $1),
            existing AS (
                SELECT c.address FROM conversations c, thread
                 WHERE c.current_thread_id = thread.id AND c.channel = $2
                 ORDER BY c.created_at DESC LIMIT 1),
            created AS (
                INSERT INTO conversations (id, channel, address, reference, is_group, current_thread_id, created_at)
                SELECT $3, $2, $4, '{}', false, thread.id, $5 FROM thread WHERE NOT EXISTS (SELECT 1 FROM existing)
                RETURNING address)
            SELECT address FROM existing UNION ALL SELECT address FROM created
            """);
        command.Parameters.Add(new() { Value = threadId });
        command.Parameters.Add(new() { Value = ChannelName });
        command.Parameters.Add(new() { Value = Guid.CreateVersion7(now) });
        command.Parameters.Add(new() { Value = Guid.CreateVersion7(now).ToString("N") });
        command.Parameters.Add(new() { Value = now });
        return await command.ExecuteScalarAsync(cancellationToken) as string
            ?? throw new InvalidOperationException($"Thread {threadId} does not exist.");
    }

    /// <summary>
    /// A signed-in person's platform id in the web channel: their user id as PostgreSQL prints a uuid. The identity
    /// (<c>web</c>, that id) points at their user, so what they write on the web lands in their own threads.
    /// </summary>
    public static string PersonSenderId(Guid userId) => userId.ToString("D");

    /// <summary>
    /// Makes sure the web identity of <paramref name="userId"/> exists and points at that user, before a token lets the
    /// person write (the recorder would otherwise make a new user for an identity it has never seen).
    /// </summary>
    public async Task EnsurePersonIdentityAsync(Guid userId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO channel_identities (id, user_id, channel, platform_user_id, display_name, created_at)
            SELECT $1, u.id, $2, $3, u.display_name, $4 FROM users u WHERE u.id = $5
            ON CONFLICT (channel, platform_user_id) DO NOTHING
            """);
        command.Parameters.Add(new() { Value = Guid.CreateVersion7(now) });
        command.Parameters.Add(new() { Value = ChannelName });
        command.Parameters.Add(new() { Value = PersonSenderId(userId) });
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = userId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<bool> ExistsAsync(string address, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT 1 FROM conversations WHERE channel = $1 AND address = $2");
        command.Parameters.Add(new() { Value = ChannelName });
        command.Parameters.Add(new() { Value = address });
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    /// <summary>Activities after <paramref name="watermark"/> (all when null), oldest first.</summary>
    public async Task<ActivityPage> SinceAsync(string address, long? watermark, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT seq, activity::text FROM directline_activities WHERE conversation_address = $1 AND seq > $2 ORDER BY seq LIMIT $3");
        command.Parameters.Add(new() { Value = address });
        command.Parameters.Add(new() { Value = watermark ?? 0L });
        command.Parameters.Add(new() { Value = limit });
        var activities = new List<string>();
        var last = watermark;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            last = reader.GetInt64(0);
            activities.Add(reader.GetString(1));
        }
        return new ActivityPage(activities, last?.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Appends a bot activity for an outbox row once: a retried send finds the first one and returns its id.
    /// The conversation row is locked first, as the inbound transaction does, so within a conversation the
    /// sequence (the watermark) follows commit order and a stream never steps over a row committed later.
    /// </summary>
    public async Task<string> AppendForOutboxAsync(Guid outboxId, string address, string activityId, string activityJson, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        string id;
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT 1 FROM conversations WHERE channel = $1 AND address = $2 FOR NO KEY UPDATE")
            {
                Parameters = { new() { Value = ChannelName }, new() { Value = address } },
            });
            var insert = InsertCommand(address, activityId, outboxId, activityJson, clock.GetUtcNow());
            insert.CommandText += " ON CONFLICT (outbox_id) DO NOTHING";
            batch.BatchCommands.Add(insert);
            await batch.ExecuteNonQueryAsync(cancellationToken);
            await using var select = new NpgsqlCommand("SELECT activity_id FROM directline_activities WHERE outbox_id = $1", connection, transaction);
            select.Parameters.Add(new() { Value = outboxId });
            id = (string)(await select.ExecuteScalarAsync(cancellationToken))!;
            await transaction.CommitAsync(cancellationToken);
        }
        Notify(address);
        return id;
    }

    /// <summary>The original timestamp of an activity, so a replacement keeps its place in the transcript.</summary>
    public async Task<DateTimeOffset?> TimestampOfAsync(string address, string activityId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT activity->>'timestamp' FROM directline_activities WHERE conversation_address = $1 AND activity_id = $2 ORDER BY seq LIMIT 1");
        command.Parameters.Add(new() { Value = address });
        command.Parameters.Add(new() { Value = activityId });
        // The text as first sent (a timestamptz cast would round it to microseconds).
        return await command.ExecuteScalarAsync(cancellationToken) is string text
            && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out var at)
            ? at
            : null;
    }

    /// <summary>Wakes the streams of a conversation in every replica (after the commit of what they should read).</summary>
    public void Notify(string address) => notifier.Notify(DirectLineNotifier.Channel, address);

    private static NpgsqlBatchCommand InsertCommand(string address, string activityId, Guid? outboxId, string activityJson, DateTimeOffset at) =>
        new("INSERT INTO directline_activities (conversation_address, activity_id, outbox_id, activity, created_at) VALUES ($1, $2, $3, $4, $5)")
        {
            Parameters =
            {
                new() { Value = address },
                new() { Value = activityId },
                new() { Value = (object?)outboxId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid },
                new() { Value = activityJson, NpgsqlDbType = NpgsqlDbType.Jsonb },
                new() { Value = at },
            },
        };
}
