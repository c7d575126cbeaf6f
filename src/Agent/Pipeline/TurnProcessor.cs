using Bot.Agent.Model;
using Bot.Storage;
using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using static Bot.Agent.Pipeline.Sql;

namespace Bot.Agent.Pipeline;

/// <summary>
/// Steps 5 to 7 of the message flow. Claims a thread with pending inbox rows (a lease on the thread row, taken with
/// <c>FOR UPDATE SKIP LOCKED</c> so workers in every replica compete safely), runs its turns one at a time, and
/// commits each turn's events, outbox rows and the inbox row's completion in one transaction that first checks
/// the lease is still ours. A process that dies mid-turn leaves the lease to expire; another worker then resumes.
/// </summary>
public sealed partial class TurnProcessor(
    NpgsqlDataSource dataSource,
    IServiceScopeFactory scopeFactory,
    PipelineSignals signals,
    TimeProvider clock,
    IOptions<PipelineOptions> options,
    ILogger<TurnProcessor> logger)
{
    private readonly PipelineOptions settings = options.Value;
    private readonly ILogger logger = logger;

    /// <summary>Claims one thread that has pending messages; null when there is none free.</summary>
    public async Task<Guid?> ClaimThreadAsync(string owner, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            UPDATE threads SET lease_owner = $1, lease_until = now() + $2
            WHERE id = (
                SELECT t.id FROM inbox i JOIN threads t ON t.id = i.thread_id
                WHERE i.status = 'Pending' AND (t.lease_until IS NULL OR t.lease_until < now())
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
        try
        {
            while (!lease.Token.IsCancellationRequested)
            {
                var next = await NextPendingAsync(threadId, lease.Token);
                if (next is null)
                {
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
            await ReleaseAsync(threadId, owner);
        }
    }

    private async Task<InboxItem?> NextPendingAsync(Guid threadId, CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BotDbContext>();
        return await db.Inbox.AsNoTracking()
            .Where(i => i.ThreadId == threadId && i.Status == InboxStatus.Pending)
            .OrderBy(i => i.ReceivedAt)
            .FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>Returns false when the thread should be let go (the lease was lost).</summary>
    private async Task<bool> RunTurnAsync(InboxItem item, string owner, CancellationToken cancellationToken)
    {
        var attempts = await CountAttemptAsync(item.Id, cancellationToken);
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BotDbContext>();
        var thread = await db.Threads.AsNoTracking().SingleAsync(t => t.Id == item.ThreadId, cancellationToken);
        var conversation = await db.Conversations.AsNoTracking().SingleAsync(c => c.Id == item.ConversationId, cancellationToken);
        var message = BotJson.Deserialize<IncomingMessage>(item.Payload);
        var resumed = await db.ThreadEvents.AsNoTracking()
            .Where(e => e.TurnId == item.Id)
            .OrderBy(e => e.CreatedAt)
            .Select(e => new { e.Role, e.Content })
            .ToListAsync(cancellationToken);
        var turn = NewTurn(message, thread, conversation, item, owner, resumed.Select(e => (e.Role, BotJson.Deserialize<EventContent>(e.Content))).ToList());

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
                var handler = scope.ServiceProvider.GetRequiredService<ITurnHandler>();
                await handler.HandleAsync(turn, cancellationToken);
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
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO thread_events (id, thread_id, role, content, created_at, turn_id)
            SELECT $1, $2, $3, $4, $5, $6
            WHERE EXISTS (SELECT 1 FROM threads WHERE id = $2 AND lease_owner = $7)
            """);
        command.Parameters.Add(new() { Value = Guid.CreateVersion7(now) });
        command.Parameters.Add(new() { Value = item.ThreadId });
        command.Parameters.Add(new() { Value = role });
        command.Parameters.Add(Jsonb(BotJson.Serialize(content)));
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = item.Id });
        command.Parameters.Add(new() { Value = owner });
        if (await command.ExecuteNonQueryAsync(cancellationToken) != 1)
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

    private async Task<int> CountAttemptAsync(Guid inboxId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE inbox SET attempts = attempts + 1 WHERE id = $1 RETURNING attempts");
        command.Parameters.Add(new() { Value = inboxId });
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
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
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Guard: the lease is still ours and the message still pending. Otherwise another worker owns this turn now.
        await using (var guard = new NpgsqlCommand(
            """
            UPDATE inbox SET status = $3, processed_at = $4, last_error = $5
            WHERE id = $1 AND status = 'Pending'
              AND EXISTS (SELECT 1 FROM threads WHERE id = $2 AND lease_owner = $6)
            """, connection, transaction))
        {
            guard.Parameters.Add(new() { Value = item.Id });
            guard.Parameters.Add(new() { Value = item.ThreadId });
            guard.Parameters.Add(new() { Value = (error is null ? InboxStatus.Done : InboxStatus.Failed).ToString() });
            guard.Parameters.Add(new() { Value = now });
            guard.Parameters.Add(new() { Value = (object?)error ?? DBNull.Value });
            guard.Parameters.Add(new() { Value = owner });
            if (await guard.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                LogLeaseLost(logger, item.ThreadId);
                return false;
            }
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        var at = now;
        foreach (var (role, content) in turn.Events)
        {
            // Strictly increasing timestamps keep a turn's events in order within the thread.
            at = at.AddTicks(10);
            batch.BatchCommands.Add(Command(
                "INSERT INTO thread_events (id, thread_id, role, content, created_at, turn_id) VALUES ($1, $2, $3, $4, $5, $6)",
                Guid.CreateVersion7(at), item.ThreadId, role, Jsonb(BotJson.Serialize(content)), at, item.Id));
        }
        var expires = now.AddMinutes(settings.OutboxExpiryMinutes);
        foreach (var outgoing in turn.Outgoing)
        {
            batch.BatchCommands.Add(Command(
                """
                INSERT INTO outbox (id, conversation_id, thread_id, channel, payload, status, attempts, created_at, next_attempt_at, expires_at)
                VALUES ($1, $2, $3, $4, $5, 'Pending', 0, $6, $6, $7)
                """,
                outgoing.Id, item.ConversationId, item.ThreadId, item.Channel, Jsonb(BotJson.Serialize(outgoing)), now, expires));
        }
        batch.BatchCommands.Add(Command(
            "UPDATE threads SET updated_at = $2, title = COALESCE(title, $3), lease_until = now() + $4 WHERE id = $1",
            item.ThreadId, at, (object?)turn.ProposedTitle ?? DBNull.Value, settings.Lease));
        if (turn.NewThreadRequested)
        {
            var newThreadId = Guid.CreateVersion7(at);
            batch.BatchCommands.Add(Command(
                "INSERT INTO threads (id, user_id, conversation_id, status, created_at, updated_at) VALUES ($1, $2, $3, 'Active', $4, $4)",
                newThreadId, item.UserId, item.ConversationId, at));
            batch.BatchCommands.Add(Command(
                "UPDATE conversations SET current_thread_id = $2 WHERE id = $1", item.ConversationId, newThreadId));
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (turn.Outgoing.Count > 0)
        {
            signals.Outbox.Set();
            await PipelineSignals.NotifyAsync(connection, PipelineSignals.OutboxChannel, string.Empty, CancellationToken.None);
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
