using System.Collections.Concurrent;
using Npgsql;

namespace Bot.Channels.Teams;

/// <summary>
/// Live text streams in Teams personal chats. Teams streams a reply as <c>typing</c> activities carrying a
/// <c>streaminfo</c> entity; the first one's activity id is the stream's id, which every later update names, and the
/// final <c>message</c> (stream type <c>final</c>) names it too. The turn worker streams, but the final message is sent
/// by whichever replica's outbox sender claims it, so the id is kept in <c>channel_state</c> until the final message
/// takes it. How far a stream got (requests sent, when) only matters to the replica streaming it and stays in memory.
/// </summary>
public sealed class TeamsStreams(NpgsqlDataSource dataSource, TimeProvider clock)
{
    /// <summary>Microsoft asks for at most about one streaming request a second; updates in between are skipped.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1.5);

    /// <summary>Teams ends a stream after two minutes; stop updating well before, the final message still closes it.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromSeconds(90);

    private const string KeyPrefix = "teams:stream:";
    private readonly ConcurrentDictionary<string, Progress> live = new(StringComparer.Ordinal);

    /// <summary>One stream as its replica sees it; updated by one turn at a time.</summary>
    internal sealed class Progress(DateTimeOffset startedAt)
    {
        public DateTimeOffset StartedAt { get; } = startedAt;
        public string? ActivityId { get; set; }
        public int Sent { get; set; }
        public DateTimeOffset LastSent { get; set; }
        public bool Stopped { get; set; }
    }

    internal Progress Track(string streamId)
    {
        var now = clock.GetUtcNow();
        if (!live.TryGetValue(streamId, out var progress))
        {
            // Streams whose final message went out elsewhere (or never) are forgotten after a while.
            foreach (var (id, old) in live)
            {
                if (now - old.StartedAt > 2 * MaxDuration)
                {
                    live.TryRemove(id, out _);
                }
            }
            progress = live.GetOrAdd(streamId, _ => new Progress(now));
        }
        return progress;
    }

    /// <summary>Keeps the Teams id of a stream that started, for the final message.</summary>
    internal async Task RememberAsync(string streamId, string activityId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "INSERT INTO channel_state (key, value, updated_at) VALUES ($1, $2, now()) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()")
        {
            Parameters = { new() { Value = KeyPrefix + streamId }, new() { Value = activityId } },
        });
        // Streams whose reply never came (a turn that failed) do not pile up.
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM channel_state WHERE key LIKE $1 AND updated_at < now() - interval '1 day'")
        {
            Parameters = { new() { Value = KeyPrefix + "%" } },
        });
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The Teams id of a stream, once: the final message that ends it takes it.</summary>
    internal async Task<string?> TakeAsync(string streamId, CancellationToken cancellationToken)
    {
        live.TryRemove(streamId, out _);
        await using var command = dataSource.CreateCommand("DELETE FROM channel_state WHERE key = $1 RETURNING value");
        command.Parameters.Add(new() { Value = KeyPrefix + streamId });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }
}
