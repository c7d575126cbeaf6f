using System.Text.Json;
using Bot.Tests.Support;
using Npgsql;

namespace Bot.Tests.Integration.LlmWire;

public sealed record StoredEvent(string Role, JsonElement Content)
{
    public string? Text => Content.TryGetProperty("text", out var text) ? text.GetString() : null;
}

public sealed record StoredMemory(string Kind, string Content, Guid? SourceThreadId);

/// <summary>What a web chat conversation left in the database: its thread, the thread's events, the owner's memory.</summary>
public sealed class WebChatRecords(TestDatabase database, string conversationAddress)
{
    public async Task<Guid> ThreadIdAsync() =>
        await database.ScalarAsync<Guid>(
            "SELECT t.id FROM threads t JOIN conversations c ON c.id = t.conversation_id WHERE c.channel = 'web' AND c.address = $1",
            conversationAddress);

    public async Task<string?> TitleAsync() =>
        await database.ScalarAsync<string?>(
            "SELECT t.title FROM threads t JOIN conversations c ON c.id = t.conversation_id WHERE c.channel = 'web' AND c.address = $1",
            conversationAddress);

    public async Task<IReadOnlyList<StoredEvent>> EventsAsync()
    {
        var threadId = await ThreadIdAsync();
        return await QueryAsync(
            "SELECT role, content::text FROM thread_events WHERE thread_id = $1 ORDER BY created_at, id",
            r => new StoredEvent(r.GetString(0), JsonElement.Parse(r.GetString(1))),
            threadId);
    }

    /// <summary>The web chat's owner's memories (the user the conversation's thread belongs to).</summary>
    public async Task<IReadOnlyList<StoredMemory>> OwnerMemoriesAsync() =>
        await QueryAsync(
            """
            SELECT m.kind, m.content, m.source_thread_id
            FROM user_memories m
            JOIN channel_identities i ON i.user_id = m.user_id AND i.channel = 'web' AND i.platform_user_id = 'owner'
            JOIN threads t ON t.user_id = m.user_id
            JOIN conversations c ON c.id = t.conversation_id AND c.address = $1
            ORDER BY m.created_at
            """,
            r => new StoredMemory(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetGuid(2)),
            conversationAddress);

    private async Task<List<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> read, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }
        return rows;
    }
}
