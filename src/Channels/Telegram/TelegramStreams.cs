using System.Collections.Concurrent;
using System.Globalization;
using Npgsql;

namespace Bot.Channels.Telegram;

/// <summary>
/// Live replies in Telegram: the first piece of a streamed reply is sent as a message, later pieces edit it, and the
/// final reply (sent by the outbox) edits that same message once more instead of adding a second one.
/// <para>
/// The streamed message's id is kept in <c>channel_state</c> (<c>telegram:stream:STREAMID</c> -> <c>CHAT:MESSAGE</c>)
/// because the final reply is sent by whichever replica's outbox claims it, possibly after a restart. It is looked up,
/// not taken: an edit to the same text is harmless (Telegram answers "message is not modified"), so an outbox attempt
/// repeated after a crash edits the same message again rather than posting a second final reply. Rows are dropped a day
/// after they were written. How far a stream got (its message, the last text, whether it stopped) and the per-chat pace
/// only matter to the replica streaming it and stay in memory.
/// </para>
/// </summary>
public sealed class TelegramStreams(NpgsqlDataSource dataSource, TimeProvider clock)
{
    /// <summary>
    /// At most one streaming request per private chat a second (Telegram's guidance: about one message a second per
    /// chat); in a group, one every three seconds (at most twenty messages a minute there). Pieces in between are skipped:
    /// the next one carries the whole text so far, and the final reply always does.
    /// </summary>
    public static readonly TimeSpan PrivateInterval = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan GroupInterval = TimeSpan.FromSeconds(3);

    private const string KeyPrefix = "telegram:stream:";
    private static readonly TimeSpan Forget = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<string, Progress> live = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, DateTimeOffset> lastRequest = new();

    /// <summary>One stream as its replica sees it; updated by one turn at a time.</summary>
    internal sealed class Progress(DateTimeOffset startedAt)
    {
        public DateTimeOffset StartedAt { get; } = startedAt;
        public int? MessageId { get; set; }
        public string? LastHtml { get; set; }
        public bool Stopped { get; set; }
    }

    internal Progress Track(string streamId)
    {
        var now = clock.GetUtcNow();
        if (!live.TryGetValue(streamId, out var progress))
        {
            // Streams whose turn ended long ago are forgotten (the final reply reads the stored id, not this).
            foreach (var (id, old) in live)
            {
                if (now - old.StartedAt > Forget)
                {
                    live.TryRemove(id, out _);
                }
            }
            foreach (var (chat, at) in lastRequest)
            {
                if (now - at > Forget)
                {
                    lastRequest.TryRemove(chat, out _);
                }
            }
            progress = live.GetOrAdd(streamId, _ => new Progress(now));
        }
        return progress;
    }

    /// <summary>True (and the chat's clock restarted) when a streaming request to the chat may go now.</summary>
    internal bool TryPace(long chatId, bool group)
    {
        var now = clock.GetUtcNow();
        var interval = group ? GroupInterval : PrivateInterval;
        while (true)
        {
            if (!lastRequest.TryGetValue(chatId, out var last))
            {
                if (lastRequest.TryAdd(chatId, now))
                {
                    return true;
                }
                continue;
            }
            if (now - last < interval)
            {
                return false;
            }
            if (lastRequest.TryUpdate(chatId, now, last))
            {
                return true;
            }
        }
    }

    /// <summary>Keeps the id of a stream's message for the final reply; awaited before the turn commits.</summary>
    internal async Task RememberAsync(string streamId, long chatId, int messageId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "INSERT INTO channel_state (key, value, updated_at) VALUES ($1, $2, now()) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()")
        {
            Parameters =
            {
                new() { Value = KeyPrefix + streamId },
                new() { Value = string.Create(CultureInfo.InvariantCulture, $"{chatId}:{messageId}") },
            },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM channel_state WHERE key LIKE $1 AND updated_at < now() - interval '1 day'")
        {
            Parameters = { new() { Value = KeyPrefix + "%" } },
        });
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The message a stream showed in <paramref name="chatId"/>, if it started there (and forgets its live progress).</summary>
    internal async Task<int?> FindAsync(string streamId, long chatId, CancellationToken cancellationToken)
    {
        live.TryRemove(streamId, out _);
        await using var command = dataSource.CreateCommand("SELECT value FROM channel_state WHERE key = $1");
        command.Parameters.Add(new() { Value = KeyPrefix + streamId });
        if (await command.ExecuteScalarAsync(cancellationToken) is not string value)
        {
            return null;
        }
        var separator = value.LastIndexOf(':');
        return separator > 0
            && long.TryParse(value.AsSpan(0, separator), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var chat) && chat == chatId
            && int.TryParse(value.AsSpan(separator + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var messageId) && messageId > 0
            ? messageId
            : null;
    }
}
