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

/// <summary>A claimed thread's pending messages (oldest first), with what their turns need, loaded in the claim.</summary>
public sealed record ClaimedThread(ChatThread Thread, Conversation Conversation, IReadOnlyList<ClaimedTurn> Turns);

/// <summary>A pending message, counting this attempt, and the steps an interrupted earlier attempt already wrote.</summary>
public sealed record ClaimedTurn(InboxItem Item, IReadOnlyList<(string Role, EventContent Content)> Resumed);

/// <summary>
/// Steps 5 to 7 of the message flow (docs/architecture.md). One statement claims many threads with pending messages
/// (a lease on each thread row, taken with <c>FOR UPDATE SKIP LOCKED</c> so workers in every replica compete safely)
/// and loads up to <see cref="PipelineOptions.TurnsPerThread"/> of each thread's messages with everything their turns
/// need. Threads run side by side, each thread's turns one at a time in order; every turn's events, outbox rows and
/// its inbox row's completion commit through <see cref="TurnCommitter"/>, where turns finishing together share one
/// transaction, guarded by the lease. A thread's last turn gives the lease back in its commit. A process that dies
/// mid-turn leaves the lease to expire; another worker then resumes.
/// </summary>
public sealed partial class TurnProcessor(
    NpgsqlDataSource dataSource,
    IServiceScopeFactory scopeFactory,
    TurnCommitter committer,
    TimeProvider clock,
    IOptions<PipelineOptions> options,
    ILogger<TurnProcessor> logger)
{
    /// <summary>Inline, not a parameter: the partial indexes on pending inbox rows name the literal.</summary>
    private const string PendingStatus = nameof(InboxStatus.Pending);

    private readonly PipelineOptions settings = options.Value;
    private readonly ILogger logger = logger;

    /// <summary>
    /// The pending messages of the claimed threads (<c>leased</c>, a CTE the caller writes), counted as attempted: up to
    /// $2 per thread, oldest first, or only the oldest when it was attempted before (a retry runs alone, so a message
    /// that crashes its worker cannot take the ones behind it down with it). With each: its thread, its conversation,
    /// and the steps an earlier attempt wrote (only read for a retry; the partial index on turn_id keeps it cheap).
    /// </summary>
    private const string LoadTurns =
        $"""
        queued AS (
            SELECT q.id, q.n, first_value(q.attempts) OVER (PARTITION BY q.thread_id ORDER BY q.n) AS head_attempts
              FROM leased l
              CROSS JOIN LATERAL (
                  SELECT i.id, i.thread_id, i.attempts, row_number() OVER (ORDER BY i.received_at, i.id) AS n
                    FROM inbox i
                   WHERE i.thread_id = l.id AND i.status = '{PendingStatus}'
                   ORDER BY i.received_at, i.id
                   LIMIT $2) q),
        counted AS (
            UPDATE inbox i SET attempts = i.attempts + 1
             WHERE i.id = ANY (ARRAY(SELECT q.id FROM queued q WHERE q.n = 1 OR q.head_attempts = 0))
            RETURNING i.id, i.thread_id, i.channel, i.event_id, i.conversation_id, i.user_id, i.thread_event_id, i.payload, i.attempts, i.received_at)
        SELECT c.id, c.thread_id, c.channel, c.event_id, c.conversation_id, c.user_id, c.thread_event_id, c.payload::text, c.attempts, c.received_at,
               l.user_id, l.conversation_id, l.thread_key, l.title, l.status, l.created_at, l.updated_at, l.summary, l.summary_through,
               v.channel, v.address, v.reference::text, v.is_group, v.current_thread_id, v.unreachable_since, v.unreachable_reason, v.created_at,
               CASE WHEN c.attempts > 1 THEN
                   (SELECT jsonb_agg(jsonb_build_array(e.role, e.content) ORDER BY e.created_at)::text FROM thread_events e WHERE e.turn_id = c.id)
               END
          FROM counted c JOIN leased l ON l.id = c.thread_id
          CROSS JOIN LATERAL (SELECT * FROM conversations v WHERE v.id = l.conversation_id OFFSET 0) v
         ORDER BY c.thread_id, c.received_at, c.id
        """;

    private const string ThreadColumns = "t.id, t.user_id, t.conversation_id, t.thread_key, t.title, t.status, t.created_at, t.updated_at, t.summary, t.summary_through";

    /// <summary>
    /// Leases up to $4 threads that have pending messages and no live lease to owner $1 for $3, oldest message first
    /// (<c>leased</c>, with <see cref="ThreadColumns"/>). Parameter $2 belongs to <see cref="LoadTurns"/>.
    /// </summary>
    private const string LeaseFreeThreads =
        $"""
        WITH RECURSIVE oldest AS (
            -- The oldest pending messages. A thread among them has its oldest pending message among them too, so
            -- this is where most claims find their threads, oldest first, at the cost of a short index scan.
            SELECT i.thread_id, i.received_at FROM inbox i
             WHERE i.status = '{PendingStatus}'
             ORDER BY i.received_at
             LIMIT $4 * 4),
        pending_threads AS (
            -- Only when those are all taken by threads already held (a busy thread with many messages queued): every
            -- thread with pending messages once, by a skip scan of ix_inbox_pending_thread that costs one index probe
            -- per thread, however many messages a busy thread has queued.
            (SELECT i.thread_id, i.received_at FROM inbox i
              WHERE i.status = '{PendingStatus}'
              ORDER BY i.thread_id, i.received_at
              LIMIT 1)
            UNION ALL
            SELECT n.thread_id, n.received_at
              FROM pending_threads p
              CROSS JOIN LATERAL (
                  SELECT i.thread_id, i.received_at FROM inbox i
                   WHERE i.status = '{PendingStatus}' AND i.thread_id > p.thread_id
                   ORDER BY i.thread_id, i.received_at
                   LIMIT 1) n),
        candidates AS (
            (SELECT thread_id FROM oldest GROUP BY thread_id ORDER BY min(received_at))
            UNION ALL
            (SELECT p.thread_id FROM pending_threads p
              WHERE (SELECT count(*) FROM oldest) = $4 * 4
                AND NOT EXISTS (SELECT 1 FROM oldest o WHERE o.thread_id = p.thread_id)
              ORDER BY p.received_at)),
        heads AS (
            -- Streamed: the skip scan runs only if the oldest messages did not yield enough free threads. Threads are
            -- looked up one by one by key (a join would let the planner scan the whole threads table).
            SELECT t.id
              FROM candidates c
              CROSS JOIN LATERAL (
                  SELECT t.id FROM threads t
                   WHERE t.id = c.thread_id AND (t.lease_until IS NULL OR t.lease_until < now())
                     AND t.id <> ALL ($5)
                     FOR UPDATE SKIP LOCKED) t
             LIMIT $4),
        leased AS (
            UPDATE threads t SET lease_owner = $1, lease_until = now() + $3
             WHERE t.id = ANY (ARRAY(SELECT id FROM heads))
            RETURNING {ThreadColumns})
        """;

    /// <summary>
    /// Claims up to <paramref name="maxThreads"/> threads that have pending messages and no live lease, oldest message
    /// first, and loads their turns, in one statement (one transaction). Empty when there is nothing to do.
    /// </summary>
    /// <param name="running">
    /// Threads the caller is still running: never claimed again, even when their lease lapsed (a stalled process), or the
    /// same turns would run twice under the same owner.
    /// </param>
    public async Task<IReadOnlyList<ClaimedThread>> ClaimAsync(string owner, int maxThreads, IReadOnlyCollection<Guid> running, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            {LeaseFreeThreads},
            {LoadTurns}
            """);
        command.Parameters.Add(new() { Value = owner });
        command.Parameters.Add(new() { Value = settings.TurnsPerThread });
        command.Parameters.Add(new() { Value = settings.Lease });
        command.Parameters.Add(new() { Value = maxThreads });
        command.Parameters.Add(new() { Value = running.ToArray() });
        return await ReadClaimedAsync(command, cancellationToken);
    }

    /// <summary>Claims one thread that has pending messages (its lease only; <see cref="ProcessThreadAsync"/> runs it); null when there is none free.</summary>
    public async Task<Guid?> ClaimThreadAsync(string owner, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            {LeaseFreeThreads}
            SELECT t.id FROM leased t
            """);
        command.Parameters.Add(new() { Value = owner });
        command.Parameters.Add(new() { Value = settings.TurnsPerThread });
        command.Parameters.Add(new() { Value = settings.Lease });
        command.Parameters.Add(new() { Value = 1 });
        command.Parameters.Add(new() { Value = Array.Empty<Guid>() });
        return await command.ExecuteScalarAsync(cancellationToken) as Guid?;
    }

    /// <summary>
    /// Runs every pending turn of a thread this owner already holds (<see cref="ClaimThreadAsync"/>), then gives the
    /// lease back. Does nothing when the owner does not hold it.
    /// </summary>
    public async Task ProcessThreadAsync(Guid threadId, string owner, CancellationToken stoppingToken)
    {
        await using var leases = new ThreadLeases(dataSource, owner, settings.Lease, logger, stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            await using var command = dataSource.CreateCommand(
                $"""
                WITH leased AS (SELECT {ThreadColumns} FROM threads t WHERE t.id = $3 AND t.lease_owner = $1),
                {LoadTurns}
                """);
            command.Parameters.Add(new() { Value = owner });
            command.Parameters.Add(new() { Value = settings.TurnsPerThread });
            command.Parameters.Add(new() { Value = threadId });
            var claimed = await ReadClaimedAsync(command, stoppingToken);
            if (claimed.Count == 0)
            {
                await ReleaseAsync(threadId, owner, []);
                return;
            }
            if (!await RunClaimedThreadAsync(claimed[0], leases, releaseWithLastTurn: false, stoppingToken))
            {
                return;
            }
        }
    }

    /// <summary>
    /// Runs a claimed thread's turns in order. A turn normally starts once the one before it is committed (it may read
    /// what that one wrote); when the next message's handler says it reads nothing the earlier turns commit
    /// (<see cref="ITurnHandler.MayRunAhead"/>) and the turn before it left nothing for after its commit, the next turn
    /// runs while that commit is on its way, and its own commit is queued behind it: committed only if the earlier one
    /// was, in the same group commit or a later one, never first. A busy conversation so pays one commit per batch of
    /// turns instead of a round trip per turn. With <paramref name="releaseWithLastTurn"/>, the last turn's commit gives
    /// the lease back; if the thread stops early (lease lost, shutdown, a failed commit) the lease is given back here, and
    /// the messages it did not start, or that were refused only because a turn before them was, are not counted as
    /// attempted. Returns false when the thread was let go early.
    /// </summary>
    internal async Task<bool> RunClaimedThreadAsync(ClaimedThread claimed, ThreadLeases leases, bool releaseWithLastTurn, CancellationToken stoppingToken)
    {
        var threadId = claimed.Thread.Id;
        var token = leases.Track(threadId);
        var started = 0;
        var released = false;
        var inFlight = new Queue<RunningTurn>();
        var notAttempted = new List<Guid>();
        var messages = new IncomingMessage?[claimed.Turns.Count];
        var floor = DateTimeOffset.MinValue;

        CancellationToken OnCommitted(RunningTurn turn)
        {
            if (turn.Release)
            {
                // The lease went back with the commit: nothing more to renew, and the turn's after-commit work must not
                // be cancelled for it.
                released = true;
                leases.Untrack(threadId);
                return stoppingToken;
            }
            return token;
        }

        try
        {
            for (var i = 0; i < claimed.Turns.Count; i++)
            {
                if (token.IsCancellationRequested)
                {
                    return false;
                }
                started++;
                var last = releaseWithLastTurn && started == claimed.Turns.Count;
                messages[i] ??= BotJson.Deserialize<IncomingMessage>(claimed.Turns[i].Item.Payload);
                var running = await StartTurnAsync(claimed, claimed.Turns[i], messages[i]!, leases.Owner, last, inFlight.LastOrDefault()?.Commit, floor, token);
                floor = running.LastAt;
                inFlight.Enqueue(running);

                if (i + 1 < claimed.Turns.Count && settings.RunAhead && running.LeavesNothingForLater && claimed.Turns[i + 1].Resumed.Count == 0)
                {
                    var next = messages[i + 1] = BotJson.Deserialize<IncomingMessage>(claimed.Turns[i + 1].Item.Payload);
                    if (next.Action is null && running.Scope.ServiceProvider.GetRequiredService<ITurnHandler>().MayRunAhead(next))
                    {
                        continue;
                    }
                }
                while (inFlight.TryDequeue(out var turn))
                {
                    await using (turn)
                    {
                        if (!await CompleteTurnAsync(turn, () => OnCommitted(turn)))
                        {
                            return false;
                        }
                    }
                }
            }
            return true;
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Shutting down or the lease was lost: the turn's transaction never committed, so the message stays pending.
            return false;
        }
        finally
        {
            // Turns whose commits are still queued are waited for before the lease goes back: behind a refused commit they
            // are refused too (and were not really attempted); ahead of a turn that stopped, they may have committed.
            while (inFlight.TryDequeue(out var turn))
            {
                await using (turn)
                {
                    if (!await CompleteTurnAsync(turn, () => OnCommitted(turn)))
                    {
                        notAttempted.Add(turn.Item.Id);
                    }
                }
            }
            if (!released)
            {
                leases.Untrack(threadId);
                await ReleaseAsync(threadId, leases.Owner, [.. claimed.Turns.Skip(started).Select(t => t.Item.Id), .. notAttempted]);
            }
        }
    }

    private static async Task<IReadOnlyList<ClaimedThread>> ReadClaimedAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var threads = new List<ClaimedThread>();
        List<ClaimedTurn>? turns = null;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var threadId = reader.GetGuid(1);
            if (threads.Count == 0 || threads[^1].Thread.Id != threadId)
            {
                var thread = new ChatThread
                {
                    Id = threadId,
                    UserId = reader.GetGuid(10),
                    ConversationId = reader.GetGuid(11),
                    ThreadKey = reader.IsDBNull(12) ? null : reader.GetString(12),
                    Title = reader.IsDBNull(13) ? null : reader.GetString(13),
                    Status = Enum.Parse<ThreadStatus>(reader.GetString(14)),
                    CreatedAt = reader.GetFieldValue<DateTimeOffset>(15),
                    UpdatedAt = reader.GetFieldValue<DateTimeOffset>(16),
                    Summary = reader.IsDBNull(17) ? null : reader.GetString(17),
                    SummaryThrough = reader.IsDBNull(18) ? null : reader.GetFieldValue<DateTimeOffset>(18),
                };
                var conversation = new Conversation
                {
                    Id = thread.ConversationId,
                    Channel = reader.GetString(19),
                    Address = reader.GetString(20),
                    Reference = reader.GetString(21),
                    IsGroup = reader.GetBoolean(22),
                    CurrentThreadId = reader.IsDBNull(23) ? null : reader.GetGuid(23),
                    UnreachableSince = reader.IsDBNull(24) ? null : reader.GetFieldValue<DateTimeOffset>(24),
                    UnreachableReason = reader.IsDBNull(25) ? null : reader.GetString(25),
                    CreatedAt = reader.GetFieldValue<DateTimeOffset>(26),
                };
                turns = [];
                threads.Add(new ClaimedThread(thread, conversation, turns));
            }
            var item = new InboxItem
            {
                Id = reader.GetGuid(0),
                Channel = reader.GetString(2),
                EventId = reader.GetString(3),
                ThreadId = threadId,
                ConversationId = reader.GetGuid(4),
                UserId = reader.GetGuid(5),
                ThreadEventId = reader.GetGuid(6),
                Payload = reader.GetString(7),
                Status = InboxStatus.Pending,
                Attempts = reader.GetInt32(8),
                ReceivedAt = reader.GetFieldValue<DateTimeOffset>(9),
            };
            var resumed = new List<(string, EventContent)>();
            if (!reader.IsDBNull(27))
            {
                using var steps = System.Text.Json.JsonDocument.Parse(reader.GetString(27));
                foreach (var step in steps.RootElement.EnumerateArray())
                {
                    resumed.Add((step[0].GetString()!, System.Text.Json.JsonSerializer.Deserialize<EventContent>(step[1], BotJson.Options)!));
                }
            }
            turns!.Add(new ClaimedTurn(item, resumed));
        }
        return threads;
    }

    /// <summary>
    /// A turn whose handler has run and whose commit is queued: it keeps the turn's scope (its after-commit work may use
    /// the scope's services) and span open until <see cref="CompleteTurnAsync"/> has seen the commit's outcome.
    /// </summary>
    private sealed class RunningTurn(InboxItem item, TurnContext turn, AsyncServiceScope scope, System.Diagnostics.Activity? activity, long startedAt) : IAsyncDisposable
    {
        public InboxItem Item { get; } = item;
        public TurnContext Turn { get; } = turn;
        public AsyncServiceScope Scope { get; } = scope;
        public System.Diagnostics.Activity? Activity { get; } = activity;
        public long StartedAt { get; } = startedAt;
        public required Task<bool> Commit { get; init; }
        public required string? Error { get; init; }
        public required bool Release { get; init; }
        public required DateTimeOffset LastAt { get; init; }

        /// <summary>
        /// Whether the next turn may start before this one is committed: this one did not fail, asked for no new thread
        /// and has no after-commit work (which the next turn could otherwise overtake).
        /// </summary>
        public bool LeavesNothingForLater => Error is null && !Turn.NewThreadRequested && Turn.AfterCommitWork.Count == 0;

        public async ValueTask DisposeAsync()
        {
            Activity?.Dispose();
            await Scope.DisposeAsync();
        }
    }

    /// <summary>
    /// Runs one turn's handler and queues its commit behind <paramref name="after"/> (the commit of the thread's turn
    /// before it, when this turn runs ahead of it). The events are stamped after <paramref name="notBefore"/>, the last
    /// event of the turn before, so the thread keeps its order whatever the clock does.
    /// </summary>
    private async Task<RunningTurn> StartTurnAsync(ClaimedThread claimed, ClaimedTurn claimedTurn, IncomingMessage message, string owner, bool release, Task<bool>? after, DateTimeOffset notBefore, CancellationToken cancellationToken)
    {
        var (thread, conversation, _) = claimed;
        var (item, resumed) = claimedTurn;
        if (item.ConversationId != conversation.Id)
        {
            // A message from a web conversation opened to continue a thread of another conversation (a Telegram thread,
            // a scheduled run) is answered there: the turn sees the conversation it came from, as its replies do.
            conversation = await ConversationAsync(item.ConversationId, cancellationToken);
        }
        var attempts = item.Attempts;
        var scope = scopeFactory.CreateAsyncScope();
        var activity = BotTelemetry.StartContinuing("bot.turn", message.TraceParent);
        try
        {
            var turn = NewTurn(message, thread, conversation, item, owner, resumed);
            activity?.SetTag("bot.channel", item.Channel);
            activity?.SetTag("bot.thread_id", thread.Id.ToString());
            activity?.SetTag("bot.inbox_id", item.Id.ToString());
            var startedAt = System.Diagnostics.Stopwatch.GetTimestamp();

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
                    // A message over the text limit was not kept: say so (no agent reads a note). A button press goes to
                    // its action's handler; everything else to the agent.
                    if (message.OmittedTextLength is { } length)
                    {
                        turn.Reply(InboundChecks.TooLongReply(length, settings.MaxInboundCharacters));
                    }
                    else if (message.Action is { } action)
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

            cancellationToken.ThrowIfCancellationRequested();
            var (commit, lastAt) = CommitItem(item, turn, owner, error, release, notBefore, after);
            return new RunningTurn(item, turn, scope, activity, startedAt)
            {
                Commit = committer.CommitAsync(commit),
                Error = error,
                Release = release,
                LastAt = lastAt,
            };
        }
        catch
        {
            activity?.Dispose();
            await scope.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Waits for a started turn's commit, then runs its after-commit work (inside the turn's scope) with the token
    /// <paramref name="onCommitted"/> returns, called only once the commit succeeded (a last turn's commit gave the lease
    /// back; a refused one did not, and the caller must); false when the commit was refused (the lease was lost, or a
    /// turn before it was not committed) or failed.
    /// </summary>
    private async Task<bool> CompleteTurnAsync(RunningTurn running, Func<CancellationToken> onCommitted)
    {
        var (item, turn, activity) = (running.Item, running.Turn, running.Activity);
        bool committed;
        try
        {
            committed = await running.Commit;
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // The message stays pending and runs again; the turns queued behind it are refused with it.
            LogCommitFailed(logger, exception, item.ThreadId);
            committed = false;
        }
        var outcome = !committed ? "refused" : running.Error is null ? "done" : "failed";
        activity?.SetTag("bot.outcome", outcome);
        BotTelemetry.TurnDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(running.StartedAt).TotalSeconds, new("channel", item.Channel), new("outcome", outcome));
        if (running.Error is not null)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error);
        }
        if (!committed)
        {
            LogCommitRefused(logger, item.ThreadId);
            return false;
        }
        LogTurnDone(logger, item.Id, turn.Outgoing.Count);
        await RunAfterCommitAsync(turn, onCommitted());
        return true;
    }

    private async Task<Conversation> ConversationAsync(Guid conversationId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT channel, address, reference::text, is_group, current_thread_id, unreachable_since, unreachable_reason, created_at FROM conversations WHERE id = $1");
        command.Parameters.Add(new() { Value = conversationId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new InvalidOperationException($"Conversation {conversationId} does not exist.");
        }
        return new Conversation
        {
            Id = conversationId,
            Channel = reader.GetString(0),
            Address = reader.GetString(1),
            Reference = reader.GetString(2),
            IsGroup = reader.GetBoolean(3),
            CurrentThreadId = reader.IsDBNull(4) ? null : reader.GetGuid(4),
            UnreachableSince = reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
            UnreachableReason = reader.IsDBNull(6) ? null : reader.GetString(6),
            CreatedAt = reader.GetFieldValue<DateTimeOffset>(7),
        };
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

    /// <summary>The turn as an item of <c>commit_turns</c> (migration 0010): the guard, the inbox row's outcome, events, outbox rows.</summary>
    private (TurnCommit Commit, DateTimeOffset LastAt) CommitItem(InboxItem item, TurnContext turn, string owner, string? error, bool release, DateTimeOffset notBefore, Task<bool>? after)
    {
        var now = clock.GetUtcNow();
        if (now <= notBefore)
        {
            now = notBefore.AddTicks(10);
        }
        var at = now;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("inbox_id", item.Id);
            json.WriteString("thread_id", item.ThreadId);
            json.WriteString("conversation_id", item.ConversationId);
            json.WriteString("user_id", item.UserId);
            json.WriteString("owner", owner);
            json.WriteString("status", (error is null ? InboxStatus.Done : InboxStatus.Failed).ToString());
            if (error is not null)
            {
                json.WriteString("error", error);
            }
            if (turn.ProposedTitle is not null)
            {
                json.WriteString("title", turn.ProposedTitle);
            }
            json.WriteBoolean("release", release);
            json.WriteStartArray("events");
            foreach (var (role, content) in turn.Events)
            {
                // Strictly increasing timestamps keep a turn's events in order within the thread.
                at = at.AddTicks(10);
                ThreadEventRows.Write(json, Guid.CreateVersion7(at), item.ThreadId, item.Id, role, content, at);
            }
            json.WriteEndArray();
            json.WriteString("last_at", at);
            json.WriteStartArray("outbox");
            var expires = now.AddMinutes(settings.OutboxExpiryMinutes);
            var traceParent = BotTelemetry.CurrentTraceParent();
            foreach (var outgoing in turn.Outgoing)
            {
                OutboxRows.Write(json, traceParent is null ? outgoing : outgoing with { TraceParent = traceParent }, item.ThreadId, item.ConversationId, item.Channel, expires);
            }
            json.WriteEndArray();
            if (turn.NewThreadRequested)
            {
                json.WriteString("new_thread_id", Guid.CreateVersion7(at));
            }
            json.WriteEndObject();
        }
        return (new TurnCommit(item.Id, buffer.WrittenMemory, turn.Outgoing.Count > 0, after), at);
    }

    /// <summary>
    /// Gives the lease back (if this owner still holds it) and un-counts the attempts of the messages it claimed but did
    /// not start, so a shutdown does not bring them closer to being given up.
    /// </summary>
    private async Task ReleaseAsync(Guid threadId, string owner, Guid[] notStarted)
    {
        try
        {
            await using var command = dataSource.CreateCommand(
                $"""
                WITH released AS (
                    UPDATE threads SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2 RETURNING id)
                UPDATE inbox SET attempts = GREATEST(attempts - 1, 0)
                 WHERE id = ANY($3) AND status = '{PendingStatus}' AND EXISTS (SELECT 1 FROM released)
                """);
            command.Parameters.Add(new() { Value = threadId });
            command.Parameters.Add(new() { Value = owner });
            command.Parameters.Add(new() { Value = notStarted });
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await command.ExecuteNonQueryAsync(timeout.Token);
        }
        catch (Exception exception) when (exception is NpgsqlException or OperationCanceledException)
        {
            // The lease simply expires instead.
            LogReleaseFailed(logger, exception, threadId);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "The commit of a turn on thread {ThreadId} was refused: the lease was lost, or the turn's person was joined into another while it ran; its message is still pending and runs again")]
    private static partial void LogCommitRefused(ILogger logger, Guid threadId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The commit of a turn on thread {ThreadId} failed; its message is still pending and runs again")]
    private static partial void LogCommitFailed(ILogger logger, Exception exception, Guid threadId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Post-turn work on thread {ThreadId} failed; the reply was already committed")]
    private static partial void LogAfterCommitFailed(ILogger logger, Exception exception, Guid threadId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release the lease on thread {ThreadId}; it expires instead")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, Guid threadId);
}
