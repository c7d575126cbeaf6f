using Bot.Pipeline.Actions;
using Bot.Pipeline.Model;
using Bot.Storage;
using Bot.Storage.Entities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using static Bot.Pipeline.Sql;

namespace Bot.Pipeline;

/// <summary>
/// Steps 5 to 7 of the message flow (docs/architecture.md). Claims a thread with pending inbox rows (a lease on the thread row, taken with
/// <c>FOR UPDATE SKIP LOCKED</c> so workers in every replica compete safely), runs its turns one at a time, and
/// commits each turn's events, outbox rows and the inbox row's completion in one transaction that first checks
/// the lease is still ours. A process that dies mid-turn leaves the lease to expire; another worker then resumes.
/// </summary>
public sealed partial class TurnProcessor(
    NpgsqlDataSource dataSource,
    IServiceScopeFactory scopeFactory,
    PipelineSignals signals,
    PgNotifier notifier,
    TimeProvider clock,
    IOptions<PipelineOptions> options,
    ILogger<TurnProcessor> logger)
{
    /// <summary>Inline, not a parameter: the partial indexes on pending inbox rows name the literal.</summary>
    private const string PendingStatus = nameof(InboxStatus.Pending);

    private readonly PipelineOptions settings = options.Value;
    private readonly ILogger logger = logger;

    /// <summary>Claims one thread that has pending messages; null when there is none free.</summary>
    public async Task<Guid?> ClaimThreadAsync(string owner, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            UPDATE threads SET lease_owner = $1, lease_until = now() + $2
            WHERE id = (
                SELECT t.id FROM inbox i JOIN threads t ON t.id = i.thread_id
                WHERE i.status = '{PendingStatus}' AND (t.lease_until IS NULL OR t.lease_until < now())
                ORDER BY i.received_at
                LIMIT 1
                FOR UPDATE OF t SKIP LOCKED)
            RETURNING id
            """);
        command.Parameters.Add(new() { Value = owner });
        command.Parameters.Add(new() { Value = settings.Lease });
        return await command.ExecuteScalarAsync(cancellationToken) as Guid?;
    }

    /// <summary>Runs every pending turn of a claimed thread in order, then gives the lease back.</summary>
    public async Task ProcessThreadAsync(Guid threadId, string owner, CancellationToken stoppingToken)
    {
        using var lease = new LeaseKeeper(this, threadId, owner, stoppingToken);
        var released = false;
        try
        {
            while (!lease.Token.IsCancellationRequested)
            {
                var next = await LoadNextTurnAsync(threadId, owner, lease.Token);
                if (next is null)
                {
                    // Nothing pending: the same round trip gave the lease back.
                    released = true;
                    break;
                }
                if (!await RunTurnAsync(next, owner, lease.Token))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (lease.Token.IsCancellationRequested)
        {
            // Shutting down or the lease was lost: the turn's transaction never committed, so the message stays pending.
        }
        finally
        {
            if (!released)
            {
                await ReleaseAsync(threadId, owner);
            }
        }
    }

    /// <summary>A pending message with what its turn needs, loaded together.</summary>
    private sealed record LoadedTurn(InboxItem Item, ChatThread Thread, Conversation Conversation, IReadOnlyList<(string Role, EventContent Content)> Resumed);

    /// <summary>
    /// In one round trip: the thread's oldest pending message (counting this attempt), the thread, its conversation,
    /// and the steps an interrupted earlier attempt already wrote. When nothing is pending, the lease is given back
    /// in the same round trip and null returned.
    /// </summary>
    private async Task<LoadedTurn?> LoadNextTurnAsync(Guid threadId, string owner, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Command(
            $"""
            UPDATE inbox SET attempts = attempts + 1
            WHERE id = (SELECT id FROM inbox WHERE thread_id = $1 AND status = '{PendingStatus}' ORDER BY received_at LIMIT 1)
            RETURNING id, channel, event_id, conversation_id, user_id, thread_event_id, payload::text, attempts, received_at
            """, threadId));
        batch.BatchCommands.Add(Command(
            """
            SELECT t.user_id, t.conversation_id, t.thread_key, t.title, t.status, t.created_at, t.updated_at, t.lease_owner, t.lease_until,
                   t.summary, t.summary_through,
                   c.channel, c.address, c.reference::text, c.is_group, c.current_thread_id, c.unreachable_since, c.unreachable_reason, c.created_at
            FROM threads t JOIN conversations c ON c.id = t.conversation_id
            WHERE t.id = $1
            """, threadId));
        // Steps of an earlier attempt at the same turn (none on a first attempt; the partial index keeps this cheap).
        batch.BatchCommands.Add(Command(
            $"""
            SELECT e.role, e.content::text FROM thread_events e
            WHERE e.turn_id = (SELECT id FROM inbox WHERE thread_id = $1 AND status = '{PendingStatus}' ORDER BY received_at LIMIT 1)
            ORDER BY e.created_at
            """, threadId));
        batch.BatchCommands.Add(Command(
            $"""
            UPDATE threads SET lease_owner = NULL, lease_until = NULL
            WHERE id = $1 AND lease_owner = $2 AND NOT EXISTS (SELECT 1 FROM inbox WHERE thread_id = $1 AND status = '{PendingStatus}')
            """, threadId, owner));

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var item = new InboxItem
        {
            Id = reader.GetGuid(0),
            Channel = reader.GetString(1),
            EventId = reader.GetString(2),
            ThreadId = threadId,
            ConversationId = reader.GetGuid(3),
            UserId = reader.GetGuid(4),
            ThreadEventId = reader.GetGuid(5),
            Payload = reader.GetString(6),
            Status = InboxStatus.Pending,
            Attempts = reader.GetInt32(7),
            ReceivedAt = reader.GetFieldValue<DateTimeOffset>(8),
        };
        await reader.NextResultAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new InvalidOperationException($"Thread {threadId} has a pending message but no thread or conversation row.");
        }
        var thread = new ChatThread
        {
            Id = threadId,
            UserId = reader.GetGuid(0),
            ConversationId = reader.GetGuid(1),
            ThreadKey = reader.IsDBNull(2) ? null : reader.GetString(2),
            Title = reader.IsDBNull(3) ? null : reader.GetString(3),
            Status = Enum.Parse<ThreadStatus>(reader.GetString(4)),
            CreatedAt = reader.GetFieldValue<DateTimeOffset>(5),
            UpdatedAt = reader.GetFieldValue<DateTimeOffset>(6),
            LeaseOwner = reader.IsDBNull(7) ? null : reader.GetString(7),
            LeaseUntil = reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
            Summary = reader.IsDBNull(9) ? null : reader.GetString(9),
            SummaryThrough = reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10),
        };
        var conversation = new Conversation
        {
            Id = thread.ConversationId,
            Channel = reader.GetString(11),
            Address = reader.GetString(12),
            Reference = reader.GetString(13),
            IsGroup = reader.GetBoolean(14),
            CurrentThreadId = reader.IsDBNull(15) ? null : reader.GetGuid(15),
            UnreachableSince = reader.IsDBNull(16) ? null : reader.GetFieldValue<DateTimeOffset>(16),
            UnreachableReason = reader.IsDBNull(17) ? null : reader.GetString(17),
            CreatedAt = reader.GetFieldValue<DateTimeOffset>(18),
        };
        await reader.NextResultAsync(cancellationToken);
        var resumed = new List<(string, EventContent)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            resumed.Add((reader.GetString(0), BotJson.Deserialize<EventContent>(reader.GetString(1))));
        }
        return new LoadedTurn(item, thread, conversation, resumed);
    }

    /// <summary>Returns false when the thread should be let go (the lease was lost).</summary>
    private async Task<bool> RunTurnAsync(LoadedTurn loaded, string owner, CancellationToken cancellationToken)
    {
        var (item, thread, conversation, resumed) = loaded;
        var attempts = item.Attempts;
        await using var scope = scopeFactory.CreateAsyncScope();
        var message = BotJson.Deserialize<IncomingMessage>(item.Payload);
        var turn = NewTurn(message, thread, conversation, item, owner, resumed);

        using var logScope = logger.BeginScope(new Dictionary<string, object>
        {
            ["Channel"] = item.Channel,
            ["ConversationId"] = conversation.Id,
            ["ThreadId"] = thread.Id,
            ["InboxId"] = item.Id,
        });

        string? error = null;
        if (attempts > settings.MaxTurnAttempts)
        {
            error = $"gave up after {settings.MaxTurnAttempts} attempts";
            LogGaveUp(logger, item.Id, settings.MaxTurnAttempts);
            turn.Reply("Sorry, I could not process that message after several tries. Please send it again.");
        }
        else
        {
            try
            {
                // A button press goes to its action's handler; everything else to the agent.
                if (message.Action is { } action)
                {
                    await scope.ServiceProvider.GetRequiredService<CardActionRouter>().HandleInTurnAsync(turn, action, cancellationToken);
                }
                else
                {
                    await scope.ServiceProvider.GetRequiredService<ITurnHandler>().HandleAsync(turn, cancellationToken);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // One error boundary per turn: the user hears about it in plain words, the thread stays usable.
                error = exception.GetType().Name + ": " + exception.Message;
                LogTurnFailed(logger, exception, item.Id);
                turn = NewTurn(message, thread, conversation, item, owner, []);
                turn.Reply("Sorry, something went wrong on my side while handling that message. Your thread is intact; please try again.");
            }
        }

        var committed = await CommitWithRetryAsync(item, turn, owner, error, cancellationToken);
        if (committed)
        {
            LogTurnDone(logger, item.Id, turn.Outgoing.Count);
            await RunAfterCommitAsync(turn, cancellationToken);
        }
        return committed;
    }

    private TurnContext NewTurn(IncomingMessage message, ChatThread thread, Conversation conversation, InboxItem item, string owner, IReadOnlyList<(string, EventContent)> resumed) =>
        new(message, thread, conversation, item.UserId)
        {
            TurnId = item.Id,
            StepWriter = (role, content, ct) => WriteStepAsync(item, owner, role, content, ct),
            ResumedSteps = resumed,
        };

    /// <summary>Writes one step of a running turn at once, if this worker still holds the thread.</summary>
    private async Task WriteStepAsync(InboxItem item, string owner, string role, EventContent content, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        // Through the events' door, and only while this worker holds the thread (no row comes back otherwise).
        await using var command = dataSource.CreateCommand(
            "SELECT append_thread_events($1, $2, $3) WHERE EXISTS (SELECT 1 FROM threads WHERE id = $1 AND lease_owner = $4)");
        command.Parameters.Add(new() { Value = item.ThreadId });
        command.Parameters.Add(new() { Value = item.Id });
        command.Parameters.Add(Jsonb(ThreadEventRows.Array([(Guid.CreateVersion7(now), role, content, now)])));
        command.Parameters.Add(new() { Value = owner });
        if (await command.ExecuteScalarAsync(cancellationToken) is not 1)
        {
            LogLeaseLost(logger, item.ThreadId);
            throw new OperationCanceledException("Lost the lease on the thread; another worker continues this turn.");
        }
    }

    private async Task RunAfterCommitAsync(TurnContext turn, CancellationToken cancellationToken)
    {
        foreach (var work in turn.AfterCommitWork)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromMinutes(2));
                await work(timeout.Token);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogAfterCommitFailed(logger, exception, turn.Thread.Id);
            }
        }
    }

    /// <summary>The turn's result is in memory: a commit that lost a deadlock is simply tried again.</summary>
    private async Task<bool> CommitWithRetryAsync(InboxItem item, TurnContext turn, string owner, string? error, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await CommitTurnAsync(item, turn, owner, error, cancellationToken);
            }
            catch (PostgresException exception) when (exception.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure && attempt < 3)
            {
                LogCommitRetried(logger, item.ThreadId, exception.SqlState);
            }
        }
    }

    private async Task<bool> CommitTurnAsync(InboxItem item, TurnContext turn, string owner, string? error, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(2048);
        await using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("inbox_id", item.Id);
            json.WriteString("thread_id", item.ThreadId);
            json.WriteString("conversation_id", item.ConversationId);
            json.WriteString("user_id", item.UserId);
            json.WriteString("owner", owner);
            json.WriteString("status", (error is null ? InboxStatus.Done : InboxStatus.Failed).ToString());
            json.WriteString("error", error);
            json.WriteString("at", now);
            json.WriteNumber("lease_seconds", settings.Lease.TotalSeconds);
            json.WriteString("title", turn.ProposedTitle);
            json.WriteStartArray("events");
            var at = now;
            foreach (var (role, content) in turn.Events)
            {
                // Strictly increasing timestamps keep a turn's events in order within the thread.
                at = at.AddTicks(10);
                ThreadEventRows.Write(json, Guid.CreateVersion7(at), role, content, at);
            }
            json.WriteEndArray();
            json.WriteStartArray("outbox");
            var expires = now.AddMinutes(settings.OutboxExpiryMinutes);
            foreach (var outgoing in turn.Outgoing)
            {
                OutboxRows.Write(json, outgoing, item.ThreadId, item.ConversationId, item.Channel, expires);
            }
            json.WriteEndArray();
            if (turn.NewThreadRequested)
            {
                json.WriteString("new_thread_id", Guid.CreateVersion7(at));
            }
            json.WriteEndObject();
        }

        // One statement, so one transaction and one round trip: the guard (still pending, lease still ours) and the writes.
        await using var command = dataSource.CreateCommand("SELECT commit_turn($1)");
        command.Parameters.Add(Jsonb(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan)));
        if (await command.ExecuteScalarAsync(cancellationToken) is not true)
        {
            LogLeaseLost(logger, item.ThreadId);
            return false;
        }
        if (turn.Outgoing.Count > 0)
        {
            signals.Outbox.Set();
            notifier.Notify(PipelineSignals.OutboxChannel);
        }
        return true;
    }

    private async Task<bool> RenewAsync(Guid threadId, string owner, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE threads SET lease_until = now() + $3 WHERE id = $1 AND lease_owner = $2");
        command.Parameters.Add(new() { Value = threadId });
        command.Parameters.Add(new() { Value = owner });
        command.Parameters.Add(new() { Value = settings.Lease });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private async Task ReleaseAsync(Guid threadId, string owner)
    {
        try
        {
            await using var command = dataSource.CreateCommand(
                "UPDATE threads SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2");
            command.Parameters.Add(new() { Value = threadId });
            command.Parameters.Add(new() { Value = owner });
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await command.ExecuteNonQueryAsync(timeout.Token);
        }
        catch (Exception exception) when (exception is NpgsqlException or OperationCanceledException)
        {
            // The lease simply expires instead.
            LogReleaseFailed(logger, exception, threadId);
        }
    }

    /// <summary>Renews a thread's lease while its turns run; cancels them if the lease is lost or the host stops.</summary>
    private sealed class LeaseKeeper : IDisposable
    {
        private readonly CancellationTokenSource cancellation;
        private readonly Task renewing;

        public LeaseKeeper(TurnProcessor processor, Guid threadId, string owner, CancellationToken stoppingToken)
        {
            cancellation = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            renewing = RenewLoopAsync(processor, threadId, owner, cancellation);
        }

        public CancellationToken Token => cancellation.Token;

        private static async Task RenewLoopAsync(TurnProcessor processor, Guid threadId, string owner, CancellationTokenSource cancellation)
        {
            var every = processor.settings.Lease / 3;
            try
            {
                while (true)
                {
                    await Task.Delay(every, cancellation.Token);
                    if (!await processor.RenewAsync(threadId, owner, cancellation.Token))
                    {
                        LogLeaseLost(processor.logger, threadId);
                        await cancellation.CancelAsync();
                        return;
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (NpgsqlException exception)
            {
                // Cannot renew: stop working on this thread rather than risk two workers answering it.
                LogReleaseFailed(processor.logger, exception, threadId);
                await cancellation.CancelAsync();
            }
        }

        public void Dispose()
        {
            cancellation.Cancel();
            try
            {
                renewing.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
            }
            cancellation.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Turn for inbox row {InboxId} committed with {Replies} outgoing message(s)")]
    private static partial void LogTurnDone(ILogger logger, Guid inboxId, int replies);

    [LoggerMessage(Level = LogLevel.Error, Message = "Turn for inbox row {InboxId} failed; the user was told")]
    private static partial void LogTurnFailed(ILogger logger, Exception exception, Guid inboxId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inbox row {InboxId} failed {Attempts} times; giving up")]
    private static partial void LogGaveUp(ILogger logger, Guid inboxId, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the lease on thread {ThreadId}; another worker continues it")]
    private static partial void LogLeaseLost(ILogger logger, Guid threadId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Committing a turn on thread {ThreadId} failed with {SqlState}; trying again")]
    private static partial void LogCommitRetried(ILogger logger, Guid threadId, string sqlState);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Post-turn work on thread {ThreadId} failed; the reply was already committed")]
    private static partial void LogAfterCommitFailed(ILogger logger, Exception exception, Guid threadId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew or release the lease on thread {ThreadId}")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, Guid threadId);
}
