using Npgsql;
using NpgsqlTypes;

namespace Bot.Bench.Context;

/// <summary>
/// The bench's rows: one user, one conversation, and threads filled with a repeating exchange (a question, a tool
/// call, its result), one second apart, ending now. Seeded by one INSERT each (a bulk load, not the thread door); the
/// background load writes through <c>append_thread_events</c> as the service does.
/// </summary>
internal sealed class BenchThreads(NpgsqlDataSource dataSource)
{
    private readonly Guid userId = Guid.CreateVersion7();
    private readonly Guid conversationId = Guid.CreateVersion7();

    public async Task CreateOwnerAsync()
    {
        await ExecuteAsync("INSERT INTO users (id, display_name, created_at) VALUES ($1, 'bench', now())", userId);
        await ExecuteAsync("INSERT INTO conversations (id, channel, address, created_at) VALUES ($1, 'web', 'bench', now())", conversationId);
    }

    public async Task<Guid> CreateThreadAsync(int events)
    {
        var threadId = Guid.CreateVersion7();
        await ExecuteAsync("INSERT INTO threads (id, user_id, conversation_id, status, created_at, updated_at) VALUES ($1, $2, $3, 'Active', now(), now())",
            threadId, userId, conversationId);
        await ExecuteAsync(
            """
            INSERT INTO thread_events (id, thread_id, role, content, created_at)
            SELECT gen_random_uuid(), $1,
                   CASE WHEN n % 3 = 0 THEN 'user' WHEN n % 3 = 1 THEN 'assistant' ELSE 'tool' END,
                   CASE WHEN n % 3 = 2
                        THEN jsonb_build_object('toolResult', jsonb_build_object('callId', 'c' || (n - 1), 'name', 'get_transactions', 'content', '{"count":12,"total":"431.20 USD"}', 'isError', false))
                        WHEN n % 3 = 1
                        THEN jsonb_build_object('toolCalls', jsonb_build_array(jsonb_build_object('id', 'c' || n, 'name', 'get_transactions', 'arguments', '{"period":"last_month"}')))
                        ELSE jsonb_build_object('text', 'Question ' || n || ': how much did I spend on groceries and transport last month, compared with the month before?')
                   END,
                   now() - ($2 - n) * interval '1 second' - interval '1 hour'
            FROM generate_series(1, $2) AS n
            """,
            threadId, events);
        await ExecuteAsync("ANALYZE thread_events");
        return threadId;
    }

    /// <summary>The id of the event at a 1-based position of the thread, oldest first (a history cursor).</summary>
    public async Task<Guid> EventAtAsync(Guid threadId, int position)
    {
        await using var command = dataSource.CreateCommand("SELECT id FROM thread_events WHERE thread_id = $1 ORDER BY created_at, id OFFSET $2 LIMIT 1");
        command.Parameters.Add(new() { Value = threadId });
        command.Parameters.Add(new() { Value = position - 1 });
        return (Guid)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Appends one event through the thread door, as a turn's step writer does.</summary>
    public async Task AppendAsync(Guid threadId, string role, string contentJson, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var events = $$"""[{"id":"{{Guid.CreateVersion7(now)}}","role":"{{role}}","content":{{contentJson}},"at":"{{now:O}}"}]""";
        await using var command = dataSource.CreateCommand("SELECT append_thread_events($1, NULL, $2)");
        command.Parameters.Add(new() { Value = threadId });
        command.Parameters.Add(new() { Value = events, NpgsqlDbType = NpgsqlDbType.Jsonb });
        await command.ExecuteScalarAsync(cancellationToken);
    }

    private async Task ExecuteAsync(string sql, params object[] values)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new() { Value = value });
        }
        command.CommandTimeout = 300;
        await command.ExecuteNonQueryAsync();
    }
}
