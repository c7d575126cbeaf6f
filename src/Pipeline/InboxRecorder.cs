using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Bot.Pipeline.Model;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Bot.Pipeline;

/// <summary>What <see cref="InboxRecorder"/> wrote (or found, for a duplicate delivery).</summary>
public sealed record InboundRecord(Guid InboxId, Guid ThreadId, Guid ConversationId, Guid UserId, Guid ThreadEventId, bool Duplicate);

/// <summary>
/// The user's own activity as a channel's transcript shows it (the Direct Line echo), appended in the same
/// transaction as the message; <see cref="ActivityJson"/> is the activity as JSON.
/// </summary>
public sealed record TranscriptEcho(string ActivityId, string ActivityJson);

/// <summary>Builds a channel's transcript echo once the message's inbox id is known.</summary>
public delegate TranscriptEcho TranscriptEchoFactory(Guid inboxId);

/// <summary>A schedule's firing: whose it is, where it is delivered, and the title of the fresh thread it runs in.</summary>
public sealed record ScheduledRun(Guid UserId, Guid ConversationId, string Title);

/// <summary>A message to queue in the outbox together with an event its channel already answered (a card update).</summary>
public sealed record QueuedOutgoing(Guid ThreadId, Guid ConversationId, string Channel, OutgoingMessage Message);

/// <summary>
/// The inbox's one door (docs/architecture.md, "Recording"): resolves the user, conversation and thread, and writes the
/// inbox row (unique on channel + platform event id) together with the user's thread event, durably, before the channel
/// answers the platform; a duplicate delivery stops here. Every channel, the card-action router and schedule firings
/// record through it. Messages arriving together are written together (group commit): each waits for the
/// commit of the batch it rode in, and a batch is one call of the database function <c>record_inbound</c>, so under
/// load the cost of a round trip and a WAL flush is shared by many messages, and an idle system writes each message
/// at once.
/// </summary>
public sealed partial class InboxRecorder
{
    private const int MaxBatch = 128;
    private const int Writers = 2;
    private const int MaxDeadlockAttempts = 4;

    private readonly NpgsqlDataSource dataSource;
    private readonly TimeProvider clock;
    private readonly PipelineSignals signals;
    private readonly PgNotifier notifier;
    private readonly PipelineOptions settings;
    private readonly ILogger<InboxRecorder> logger;
    private readonly Channel<Pending> queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });

    public InboxRecorder(NpgsqlDataSource dataSource, TimeProvider clock, PipelineSignals signals, PgNotifier notifier, Microsoft.Extensions.Options.IOptions<PipelineOptions> options, ILogger<InboxRecorder> logger)
    {
        this.dataSource = dataSource;
        this.clock = clock;
        this.signals = signals;
        this.notifier = notifier;
        settings = options.Value;
        this.logger = logger;
    }

    /// <summary>
    /// Records <paramref name="message"/> and returns once it is committed. Cancelling stops the wait, not the write:
    /// a message already handed to a batch may still be recorded, and its redelivery is then a duplicate.
    /// </summary>
    public Task<InboundRecord> RecordAsync(IncomingMessage message, CancellationToken cancellationToken) =>
        RecordAsync(message, null, cancellationToken);

    /// <inheritdoc cref="RecordAsync(IncomingMessage, CancellationToken)"/>
    /// <param name="echo">For a channel with a transcript: the echo of the user's activity, written with the message.</param>
    public Task<InboundRecord> RecordAsync(IncomingMessage message, TranscriptEchoFactory? echo, CancellationToken cancellationToken) =>
        RecordAsync(message, echo, [], cancellationToken);

    /// <summary>
    /// Records an event its channel already answered in the request (<see cref="IncomingMessage.HandledOutcome"/> set:
    /// a Teams <c>Action.Execute</c> is decided there). The user's event, the outcome as the bot's event of that turn,
    /// the inbox row as done (no turn runs it; a redelivery is a duplicate) and <paramref name="alsoQueue"/> (card
    /// updates) commit together.
    /// </summary>
    public Task<InboundRecord> RecordAnsweredAsync(IncomingMessage message, IReadOnlyList<QueuedOutgoing> alsoQueue, CancellationToken cancellationToken)
    {
        if (message.HandledOutcome is null)
        {
            throw new ArgumentException("An answered event needs its outcome (HandledOutcome).", nameof(message));
        }
        if (alsoQueue.Any(q => q.Message.Kind != OutgoingKind.Update))
        {
            throw new ArgumentException("Only updates of earlier messages can be queued with an answered event.", nameof(alsoQueue));
        }
        return RecordAsync(message, null, alsoQueue, cancellationToken);
    }

    /// <summary>
    /// Records a schedule's firing in the caller's transaction (the caller holds the schedule's row lock and writes the
    /// run's own row with it): a fresh thread titled after the schedule that the conversation does not point at, the
    /// prompt as its first event, and the inbox row, whose event id makes a second firing of the same occurrence a
    /// duplicate. The turn workers are woken when the caller commits.
    /// </summary>
    public async Task<InboundRecord> RecordScheduledAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IncomingMessage message, ScheduledRun run, CancellationToken cancellationToken)
    {
        message = InboundChecks.Checked(message, settings.MaxInboundCharacters);
        var now = clock.GetUtcNow();
        var items = "[" + Sql.WithoutNul(Encoding.UTF8.GetString(Item(message, Guid.CreateVersion7(now), null, [], now, settings.OutboxExpiryMinutes, run))) + "]";
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Sql.Command("SELECT * FROM record_inbound($1)", Sql.Jsonb(items)));
        batch.BatchCommands.Add(Sql.Command($"SELECT pg_notify('{PipelineSignals.InboxChannel}', '')"));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new InvalidOperationException("record_inbound returned no row for a schedule's firing.");
        }
        return new InboundRecord(reader.GetGuid(1), reader.GetGuid(2), reader.GetGuid(3), reader.GetGuid(4), reader.GetGuid(5), reader.GetBoolean(6));
    }

    private async Task<InboundRecord> RecordAsync(IncomingMessage message, TranscriptEchoFactory? echo, IReadOnlyList<QueuedOutgoing> alsoQueue, CancellationToken cancellationToken)
    {
        // The one place every channel's message passes: ids bounded, huge text not kept (throws for a message to refuse).
        message = InboundChecks.Checked(message, settings.MaxInboundCharacters);
        var now = clock.GetUtcNow();
        var inboxId = Guid.CreateVersion7(now);
        var pending = new Pending(Item(message, inboxId, echo?.Invoke(inboxId), alsoQueue, now, settings.OutboxExpiryMinutes, null), message.Address.Channel, message.Address.ConversationId)
        {
            QueuesOutgoing = alsoQueue.Count > 0,
        };
        if (!queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(InboxRecorder), "The service is stopping; the message was not recorded.");
        }
        return await pending.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Writes batches until <see cref="Complete"/> is called and everything queued before it is written (each caller is
    /// still waiting for its answer). <see cref="InboxBatchWriter"/> runs it for the host's lifetime.
    /// </summary>
    internal Task RunWritersAsync() => Task.WhenAll(Enumerable.Range(0, Writers).Select(_ => Task.Run(WriteLoopAsync)));

    /// <summary>Takes no more messages; those already queued are still written.</summary>
    internal void Complete() => queue.Writer.TryComplete();

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && queue.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }
            if (batch.Count > 0)
            {
                await WriteAsync(batch);
            }
        }
    }

    private async Task WriteAsync(List<Pending> batch)
    {
        try
        {
            var results = await WriteBatchAsync(batch);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Completion.TrySetResult(results[i]);
            }
        }
        catch (Exception exception) when (batch.Count > 1 && exception is not OperationCanceledException)
        {
            // One message the database refuses must not fail the others that shared its batch: write them one by one.
            LogBatchSplit(logger, batch.Count, exception);
            foreach (var pending in batch)
            {
                await WriteAsync([pending]);
            }
        }
        catch (Exception exception)
        {
            foreach (var pending in batch)
            {
                pending.Completion.TrySetException(exception);
            }
        }
    }

    private async Task<InboundRecord[]> WriteBatchAsync(List<Pending> batch)
    {
        // Lock conversations in one order across concurrent batches (the function upserts them in item order).
        int[] order = [.. Enumerable.Range(0, batch.Count).OrderBy(i => batch[i].Channel, StringComparer.Ordinal).ThenBy(i => batch[i].Address, StringComparer.Ordinal)];
        var items = ItemsJson(batch, order);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var results = new InboundRecord[batch.Count];
                await using var connection = await dataSource.OpenConnectionAsync();
                await using (var command = new NpgsqlCommand("SELECT * FROM record_inbound($1)", connection))
                {
                    command.Parameters.Add(new NpgsqlParameter { Value = items, NpgsqlDbType = NpgsqlDbType.Jsonb });
                    await using var reader = await command.ExecuteReaderAsync();
                    while (await reader.ReadAsync())
                    {
                        results[order[reader.GetInt32(0) - 1]] = new InboundRecord(reader.GetGuid(1), reader.GetGuid(2), reader.GetGuid(3), reader.GetGuid(4), reader.GetGuid(5), reader.GetBoolean(6));
                    }
                }
                if (results.Any(r => r is null))
                {
                    throw new InvalidOperationException("record_inbound returned fewer rows than it was given messages.");
                }
                if (results.Any(r => !r.Duplicate))
                {
                    signals.Inbox.Set();
                    notifier.Notify(PipelineSignals.InboxChannel);
                }
                if (Enumerable.Range(0, batch.Count).Any(i => batch[i].QueuesOutgoing && !results[i].Duplicate))
                {
                    signals.Outbox.Set();
                    notifier.Notify(PipelineSignals.OutboxChannel);
                }
                return results;
            }
            catch (PostgresException exception) when (exception.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure && attempt < MaxDeadlockAttempts)
            {
                // PostgreSQL chose this batch as a deadlock victim; nothing was written, so write it again.
                LogDeadlockRetry(logger, batch.Count, attempt);
            }
        }
    }

    private static string ItemsJson(List<Pending> batch, int[] order)
    {
        var buffer = new ArrayBufferWriter<byte>(batch.Sum(p => p.Item.Length) + batch.Count + 2);
        buffer.Write("["u8);
        for (var i = 0; i < order.Length; i++)
        {
            if (i > 0)
            {
                buffer.Write(","u8);
            }
            buffer.Write(batch[order[i]].Item);
        }
        buffer.Write("]"u8);
        // A NUL anywhere (text, ids, names) would make PostgreSQL refuse the batch on every redelivery.
        return Sql.WithoutNul(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    /// <summary>One message as an item of <c>record_inbound</c> (migrations 0007 and 0009), with its ids made here.</summary>
    private static byte[] Item(IncomingMessage message, Guid inboxId, TranscriptEcho? echo, IReadOnlyList<QueuedOutgoing> alsoQueue, DateTimeOffset now, int outboxExpiryMinutes, ScheduledRun? scheduled)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("channel", message.Address.Channel);
            json.WriteString("event_id", message.EventId);
            json.WriteString("address", message.Address.ConversationId);
            if (message.ConversationReference is { } reference)
            {
                json.WritePropertyName("reference");
                json.WriteRawValue(reference);
            }
            json.WriteBoolean("is_group", message.IsGroup);
            json.WriteString("platform_user_id", message.From.PlatformUserId);
            json.WriteString("display_name", message.From.DisplayName);
            json.WriteString("thread_key", message.Address.ThreadKey);
            // A reply resumes the replied-to message's thread only where the conversation has a current thread.
            json.WriteString("reply_to", message.ThreadMode == ThreadMode.CurrentThreadPointer ? message.ReplyToPlatformMessageId : null);
            json.WritePropertyName("content");
            JsonSerializer.Serialize(json, new EventContent { Text = message.Text, Action = message.Action, Voice = message.Voice }, BotJson.Options);
            json.WritePropertyName("payload");
            JsonSerializer.Serialize(json, message, BotJson.Options);
            json.WriteString("at", now);
            json.WriteString("inbox_id", inboxId);
            json.WriteString("event_row_id", Guid.CreateVersion7(now));
            json.WriteString("user_id", Guid.CreateVersion7(now));
            json.WriteString("identity_id", Guid.CreateVersion7(now));
            json.WriteString("conversation_id", Guid.CreateVersion7(now));
            json.WriteString("thread_id", Guid.CreateVersion7(now));
            if (message.HandledOutcome is { } outcome)
            {
                json.WriteStartObject("outcome");
                json.WriteString("id", Guid.CreateVersion7(now));
                json.WritePropertyName("content");
                JsonSerializer.Serialize(json, new EventContent { Text = outcome }, BotJson.Options);
                json.WriteString("at", now.AddTicks(10));
                json.WriteStartArray("outbox");
                foreach (var queued in alsoQueue)
                {
                    OutboxRows.Write(json, queued.Message, queued.ThreadId, queued.ConversationId, queued.Channel, now.AddMinutes(outboxExpiryMinutes));
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            if (scheduled is not null)
            {
                json.WriteStartObject("scheduled");
                json.WriteString("user_id", scheduled.UserId);
                json.WriteString("conversation_id", scheduled.ConversationId);
                json.WriteString("title", scheduled.Title);
                json.WriteEndObject();
            }
            if (echo is not null)
            {
                json.WriteStartObject("echo");
                json.WriteString("activity_id", echo.ActivityId);
                json.WritePropertyName("activity");
                json.WriteRawValue(echo.ActivityJson);
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private sealed record Pending(byte[] Item, string Channel, string Address)
    {
        public bool QueuesOutgoing { get; init; }

        public TaskCompletionSource<InboundRecord> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording a batch of {Count} inbound messages failed; writing them one by one")]
    private static partial void LogBatchSplit(ILogger logger, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Inbound batch of {Count} was a deadlock victim (attempt {Attempt}); writing it again")]
    private static partial void LogDeadlockRetry(ILogger logger, int count, int attempt);
}
