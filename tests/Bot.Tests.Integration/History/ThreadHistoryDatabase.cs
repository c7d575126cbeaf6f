using System.Globalization;
using Bot.Pipeline.Model;
using Bot.Pipeline.Threads;
using Bot.Storage;
using Bot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace Bot.Tests.Integration.History;

/// <summary>A migrated database of its own with one user and conversation; threads are filled through the events' door.</summary>
public sealed class ThreadHistoryDatabase : IAsyncLifetime
{
    private TestDatabase db = null!;
    private ServiceProvider services = null!;
    private readonly Guid userId = Guid.CreateVersion7();
    private readonly Guid conversationId = Guid.CreateVersion7();

    public NpgsqlDataSource DataSource => services.GetRequiredService<NpgsqlDataSource>();

    public ThreadQueries Queries => new(DataSource);

    public async Task InitializeAsync()
    {
        db = await TestDatabase.CreateAsync();
        services = new ServiceCollection().AddLogging().AddSingleton(TimeProvider.System).AddBotStorage(db.ConnectionString).BuildServiceProvider();
        await new DatabaseMigrator(DataSource, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(default);
        await ExecuteAsync("INSERT INTO users (id, display_name, created_at) VALUES ($1, 'history', now())", userId);
        await ExecuteAsync("INSERT INTO conversations (id, channel, address, created_at) VALUES ($1, 'web', $2, now())", conversationId, "history-" + userId);
    }

    public async Task DisposeAsync()
    {
        await services.DisposeAsync();
        await db.DisposeAsync();
    }

    public async Task<Guid> NewThreadAsync()
    {
        var threadId = Guid.CreateVersion7();
        await ExecuteAsync("INSERT INTO threads (id, user_id, conversation_id, status, created_at, updated_at) VALUES ($1, $2, $3, 'Active', now(), now())",
            threadId, userId, conversationId);
        return threadId;
    }

    /// <summary>Writes events through <c>append_thread_events</c>, as the service does, in batches.</summary>
    public async Task AppendAsync(Guid threadId, IEnumerable<(Guid Id, string Role, EventContent Content, DateTimeOffset At)> events)
    {
        foreach (var batch in events.Chunk(500))
        {
            var json = "[" + string.Join(',', batch.Select(e => string.Create(CultureInfo.InvariantCulture,
                $$"""{"id":"{{e.Id}}","role":"{{e.Role}}","content":{{BotJson.Serialize(e.Content)}},"at":"{{e.At.UtcDateTime:O}}"}"""))) + "]";
            await using var command = DataSource.CreateCommand("SELECT append_thread_events($1, NULL, $2)");
            command.Parameters.Add(new() { Value = threadId });
            command.Parameters.Add(new() { Value = json, NpgsqlDbType = NpgsqlDbType.Jsonb });
            await command.ExecuteScalarAsync();
        }
        await ExecuteAsync("ANALYZE thread_events");
    }

    /// <summary>Every event of a thread newer than <paramref name="after"/>, newest first (time, then id), as stored.</summary>
    public async Task<List<(Guid Id, string Role, EventContent Content, DateTimeOffset At)>> AllNewestFirstAsync(Guid threadId, DateTimeOffset? after = null)
    {
        await using var command = DataSource.CreateCommand(
            "SELECT id, role, content::text, created_at FROM thread_events WHERE thread_id = $1 AND created_at > $2 ORDER BY created_at DESC, id DESC");
        command.Parameters.Add(new() { Value = threadId });
        command.Parameters.Add(new() { Value = after ?? DateTimeOffset.UnixEpoch });
        var events = new List<(Guid, string, EventContent, DateTimeOffset)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            events.Add((reader.GetGuid(0), reader.GetString(1), BotJson.Deserialize<EventContent>(reader.GetString(2)), reader.GetFieldValue<DateTimeOffset>(3)));
        }
        return events;
    }

    private async Task ExecuteAsync(string sql, params object[] values)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new() { Value = value });
        }
        await command.ExecuteNonQueryAsync();
    }
}
