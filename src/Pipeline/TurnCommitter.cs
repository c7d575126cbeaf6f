using System.Buffers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bot.Pipeline;

/// <summary>
/// One finished turn, as an item of <c>commit_turns</c> (migration 0010), waiting for its commit. <paramref name="After"/>
/// is the commit of the same thread's turn before it when this turn ran ahead of that commit: this one is committed only
/// if that one was, never instead of it and never before it.
/// </summary>
internal sealed record TurnCommit(Guid InboxId, ReadOnlyMemory<byte> Item, bool QueuesOutgoing, Task<bool>? After = null);

/// <summary>
/// Step 7 of the message flow (docs/architecture.md), shared by every turn in the process: turns that finish together
/// commit together (group commit). Each caller waits for the commit of the batch its turn rode in; a batch is one call
/// of <c>commit_turns</c>, one transaction and one WAL flush however many threads it covers, and an idle system commits
/// a lone turn at once. Each turn's guard (its inbox row still pending, its worker still holding the thread) is checked
/// by the function per turn, so one lost lease does not fail the others.
/// </summary>
public sealed partial class TurnCommitter(
    NpgsqlDataSource dataSource,
    PipelineSignals signals,
    PgNotifier notifier,
    TimeProvider clock,
    IOptions<PipelineOptions> options,
    ILogger<TurnCommitter> logger)
{
    private const int MaxBatch = 256;
    private const int MaxDeadlockAttempts = 4;

    private sealed record Pending(TurnCommit Commit, TaskCompletionSource<bool> Completion);

    private readonly PipelineOptions settings = options.Value;
    private GroupWriter<Pending>? writer;

    /// <summary>
    /// True once the turn is committed; false when its guard refused it (the lease was lost, the message was already
    /// answered, or the turn's user was joined into another while it ran: migration 0013).
    /// </summary>
    internal Task<bool> CommitAsync(TurnCommit commit)
    {
        var pending = new Pending(commit, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        // One writer per committer (all callers get the same one): batches are written one after the other, in order.
        LazyInitializer.EnsureInitialized(ref writer, () => new GroupWriter<Pending>(batch => WriteAsync(OncePerMessage(batch)), MaxBatch)).Add(pending);
        return pending.Completion.Task;
    }

    /// <summary>
    /// At most one commit per message in a batch. The same turn can reach the committer twice at once when a worker whose
    /// lease lapsed (a stalled machine) claimed its own thread again and ran it a second time with the same owner: both
    /// pass the lease guard, and <c>commit_turns</c>, which updates the inbox row once, would insert both turns' events
    /// and replies. The later one is answered "not committed" here, as a lost lease is.
    /// </summary>
    private static List<Pending> OncePerMessage(List<Pending> batch)
    {
        var seen = new HashSet<Guid>();
        var once = new List<Pending>(batch.Count);
        foreach (var pending in batch)
        {
            if (seen.Add(pending.Commit.InboxId))
            {
                once.Add(pending);
            }
            else
            {
                pending.Completion.TrySetResult(false);
            }
        }
        return once;
    }

    private async Task WriteAsync(List<Pending> batch)
    {
        batch = AfterTheirPredecessors(batch);
        if (batch.Count == 0)
        {
            return;
        }
        try
        {
            var committed = await WriteBatchAsync(batch);
            foreach (var pending in batch)
            {
                pending.Completion.TrySetResult(committed.Contains(pending.Commit.InboxId));
            }
        }
        catch (Exception exception) when (batch.Count > 1)
        {
            // One turn the database refuses must not fail the others that shared its batch: commit them one by one.
            LogBatchSplit(logger, batch.Count, exception);
            foreach (var pending in batch)
            {
                await WriteAsync([pending]);
            }
        }
        catch (Exception exception)
        {
            batch[0].Completion.TrySetException(exception);
        }
    }

    /// <summary>
    /// Drops (as not committed) every turn whose predecessor in its thread was not committed. A predecessor is either
    /// already decided (it rode in an earlier batch: batches are written one after the other, and a failed batch is
    /// retried turn by turn, in order) or earlier in this same batch, where the per-turn guard gives both the same answer
    /// (the same thread, lease, owner and person), so the one transaction commits both or neither.
    /// </summary>
    private static List<Pending> AfterTheirPredecessors(List<Pending> batch)
    {
        List<Pending>? kept = null;
        for (var i = 0; i < batch.Count; i++)
        {
            var after = batch[i].Commit.After;
            var refused = after is { IsCompleted: true } && !(after.IsCompletedSuccessfully && after.Result);
            if (refused)
            {
                kept ??= batch[..i];
                batch[i].Completion.TrySetResult(false);
            }
            else
            {
                kept?.Add(batch[i]);
            }
        }
        return kept ?? batch;
    }

    private async Task<HashSet<Guid>> WriteBatchAsync(List<Pending> batch)
    {
        var buffer = new ArrayBufferWriter<byte>(batch.Sum(p => p.Commit.Item.Length) + batch.Count + 2);
        buffer.Write("["u8);
        for (var i = 0; i < batch.Count; i++)
        {
            if (i > 0)
            {
                buffer.Write(","u8);
            }
            buffer.Write(batch[i].Commit.Item.Span);
        }
        buffer.Write("]"u8);
        var items = System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var committed = new HashSet<Guid>();
                await using (var command = dataSource.CreateCommand("SELECT * FROM commit_turns($1, $2, $3)"))
                {
                    command.Parameters.Add(new() { Value = clock.GetUtcNow() });
                    command.Parameters.Add(new() { Value = settings.Lease });
                    command.Parameters.Add(Sql.Jsonb(items));
                    await using var reader = await command.ExecuteReaderAsync();
                    while (await reader.ReadAsync())
                    {
                        committed.Add(reader.GetGuid(0));
                    }
                }
                if (batch.Any(p => p.Commit.QueuesOutgoing && committed.Contains(p.Commit.InboxId)))
                {
                    signals.Outbox.Set();
                    notifier.Notify(PipelineSignals.OutboxChannel);
                }
                return committed;
            }
            catch (PostgresException exception) when (exception.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure && attempt < MaxDeadlockAttempts)
            {
                // The turns' results are in memory and nothing was written: commit them again.
                LogCommitRetried(logger, batch.Count, exception.SqlState);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Committing {Count} turns together failed; committing them one by one")]
    private static partial void LogBatchSplit(ILogger logger, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Committing {Count} turns failed with {SqlState}; trying again")]
    private static partial void LogCommitRetried(ILogger logger, int count, string sqlState);
}
