using Bot.Pipeline.Model;
using Bot.Storage.Entities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bot.Pipeline;

/// <summary>
/// Step 8 of the message flow (docs/architecture.md). Claims due outbox rows in order per conversation, hands each to its channel's
/// sender, and records the outcome: the platform message id, a retry time (backoff, or the platform's Retry-After),
/// expiry when a reply would arrive too late, giving up after <see cref="PipelineOptions.MaxSendAttempts"/> tries that
/// delivered nothing, or the conversation marked unreachable. A reply sent in parts has each part but the last recorded
/// as it is delivered (<see cref="OutboundDelivery.RecordPartAsync"/>), so a retry goes on from the first part not sent.
/// </summary>
public sealed partial class OutboxProcessor(
    NpgsqlDataSource dataSource,
    IEnumerable<IChannelSender> senders,
    TimeProvider clock,
    IOptions<PipelineOptions> options,
    ILogger<OutboxProcessor> logger)
{
    private readonly Dictionary<string, IChannelSender> sendersByChannel = senders.ToDictionary(s => s.Channel, StringComparer.Ordinal);
    private readonly PipelineOptions settings = options.Value;

    private sealed record Claimed(Guid Id, Guid ConversationId, Guid? ThreadId, string Channel, string Payload, int Attempts, DateTimeOffset ExpiresAt,
        string Address, string Reference, bool Unreachable, string? ReplacesPlatformMessageId, string[] PartIds, int LastPartAttempt);

    /// <summary>
    /// How a claimed row ends up, written for the whole batch in one statement. <paramref name="CutShort"/>: the row was
    /// given up after some of its parts were delivered, and the person is told (one short message, queued with the outcome).
    /// </summary>
    private sealed record Outcome(Guid Id, OutboxStatus Status, string? PlatformMessageId = null, string? Error = null, DateTimeOffset? NextAttemptAt = null,
        bool Unclaim = false, Claimed? CutShort = null);

    /// <summary>
    /// Claims due rows of up to <paramref name="conversations"/> conversations (a run of up to
    /// <see cref="PipelineOptions.SendsPerConversation"/> rows each, in order), sends the conversations side by side and
    /// each conversation's rows one after the other, and records every outcome in one statement. Returns how many rows it handled.
    /// </summary>
    public async Task<int> SendDueAsync(int conversations, CancellationToken cancellationToken)
    {
        var claimed = await ClaimAsync(conversations, cancellationToken);
        if (claimed.Count == 0)
        {
            return 0;
        }
        var runs = claimed.GroupBy(row => row.ConversationId).Select(run => SendRunAsync(run.ToList(), cancellationToken)).ToList();
        using var sending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var renewal = RenewLeasesAsync(claimed.Select(row => row.Id).ToArray(), sending.Token);
        try
        {
            await Task.WhenAll(runs);
        }
        finally
        {
            await sending.CancelAsync();
            await renewal;
            // Whatever happened (a stop included), every claimed row's outcome is recorded; rows not tried go back.
            var outcomes = runs.Where(r => r.IsCompletedSuccessfully).SelectMany(r => r.Result).ToList();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await FinishAsync(outcomes, timeout.Token);
        }
        return claimed.Count;
    }

    /// <summary>
    /// Keeps the batch's rows claimed while they are being sent (every third of the lease), so a slow platform call
    /// does not let another sender, here or in another replica, claim a row mid-send and deliver it a second time. Only
    /// a sender that stops renewing (a crash, or a stall longer than two thirds of the lease) hands its rows on.
    /// </summary>
    private async Task RenewLeasesAsync(Guid[] ids, CancellationToken sending)
    {
        var every = settings.Lease / 3;
        try
        {
            while (true)
            {
                await Task.Delay(every, clock, sending);
                try
                {
                    await using var command = Sql.Command(dataSource,
                        $"UPDATE outbox SET lease_until = now() + $2 WHERE id = ANY($1) AND status = '{nameof(OutboxStatus.Pending)}' AND lease_until IS NOT NULL",
                        ids, settings.Lease);
                    // Not cancelled when the sends finish: cancelling a running statement costs PostgreSQL a cancel
                    // request on a connection of its own, and this one-row-per-message update is quick.
                    await command.ExecuteNonQueryAsync(CancellationToken.None);
                }
                catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
                {
                    // The next renewal tries again; if none succeeds in time, the rows pass on as after a crash.
                    LogRenewalFailed(logger, exception);
                }
            }
        }
        catch (OperationCanceledException) when (sending.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the outbox leases of a batch being sent failed; trying again")]
    private static partial void LogRenewalFailed(ILogger logger, Exception exception);

    private async Task<List<Claimed>> ClaimAsync(int conversations, CancellationToken cancellationToken)
    {
        // The oldest pending row of each conversation is its head; only a due, free head makes its conversation eligible,
        // so messages arrive in order. The rows after it, up to a run's length, go with it (they wait behind the head).
        await using var command = dataSource.CreateCommand(
            $"""
            WITH RECURSIVE firsts AS (
                -- Each conversation with pending rows once, with its oldest: a skip scan of ix_outbox_pending, one index
                -- probe per conversation however many rows wait behind a head that is held or not yet due.
                (SELECT o.conversation_id, o.seq FROM outbox o
                  WHERE o.status = '{nameof(OutboxStatus.Pending)}'
                  ORDER BY o.conversation_id, o.seq
                  LIMIT 1)
                UNION ALL
                SELECT n.conversation_id, n.seq
                  FROM firsts f
                  CROSS JOIN LATERAL (
                      SELECT o.conversation_id, o.seq FROM outbox o
                       WHERE o.status = '{nameof(OutboxStatus.Pending)}' AND o.conversation_id > f.conversation_id
                       ORDER BY o.conversation_id, o.seq
                       LIMIT 1) n),
            heads AS (
                -- Oldest first; each head locked only as it is taken (the lateral lookup), so heads beyond the limit
                -- stay free for other senders.
                SELECT o.id, o.conversation_id
                  FROM (SELECT f.conversation_id, f.seq FROM firsts f ORDER BY f.seq) f
                  CROSS JOIN LATERAL (
                      SELECT o.id, o.conversation_id FROM outbox o
                       WHERE o.conversation_id = f.conversation_id AND o.seq = f.seq AND o.status = '{nameof(OutboxStatus.Pending)}'
                         AND o.next_attempt_at <= now() AND (o.lease_until IS NULL OR o.lease_until < now())
                         FOR UPDATE SKIP LOCKED) o
                 LIMIT $1),
            runs AS (
                SELECT r.id FROM heads h
                CROSS JOIN LATERAL (
                    SELECT o.id FROM outbox o
                    WHERE o.conversation_id = h.conversation_id AND o.status = '{nameof(OutboxStatus.Pending)}'
                      AND o.next_attempt_at <= now()
                    ORDER BY o.seq
                    LIMIT $3) r),
            claimed AS (
                UPDATE outbox SET lease_until = now() + $2, attempts = attempts + 1
                WHERE id = ANY (ARRAY(SELECT id FROM runs))
                RETURNING id, seq, conversation_id, thread_id, channel, payload, attempts, expires_at, part_ids, last_part_attempt)
            SELECT c.id, c.conversation_id, c.thread_id, c.channel, c.payload::text, c.attempts, c.expires_at,
                   v.address, v.reference::text, v.unreachable_since IS NOT NULL,
                   (SELECT r.platform_message_id FROM outbox r WHERE r.id = (c.payload->>'replaces')::uuid),
                   c.part_ids, c.last_part_attempt
            FROM claimed c
            CROSS JOIN LATERAL (SELECT * FROM conversations v WHERE v.id = c.conversation_id OFFSET 0) v
            ORDER BY c.seq
            """);
        command.Parameters.Add(new() { Value = conversations });
        command.Parameters.Add(new() { Value = settings.Lease });
        command.Parameters.Add(new() { Value = settings.SendsPerConversation });
        var rows = new List<Claimed>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new Claimed(reader.GetGuid(0), reader.GetGuid(1), reader.IsDBNull(2) ? null : reader.GetGuid(2), reader.GetString(3),
                reader.GetString(4), reader.GetInt32(5), reader.GetFieldValue<DateTimeOffset>(6), reader.GetString(7), reader.GetString(8),
                reader.GetBoolean(9), reader.IsDBNull(10) ? null : reader.GetString(10), reader.GetFieldValue<string[]>(11), reader.GetInt32(12)));
        }
        return rows;
    }

    /// <summary>One conversation's rows in order. A row that must wait (retry later) holds back the ones after it.</summary>
    private async Task<List<Outcome>> SendRunAsync(List<Claimed> run, CancellationToken cancellationToken)
    {
        var outcomes = new List<Outcome>(run.Count);
        var marked = new List<(Outcome Outcome, Task Written)>();
        var sentHere = new Dictionary<Guid, string>();
        var next = 0;
        try
        {
            for (; next < run.Count; next++)
            {
                var row = run[next];
                var (outcome, stop) = await SendOneAsync(row, sentHere, cancellationToken);
                if (outcome is not null)
                {
                    if (outcome.Status == OutboxStatus.Sent)
                    {
                        sentHere[row.Id] = outcome.PlatformMessageId!;
                        // Recorded now, not with the run's other outcomes: see OutboxProcessor.Marks.cs.
                        marked.Add((outcome, MarkSentAsync(outcome)));
                    }
                    else
                    {
                        outcomes.Add(outcome);
                    }
                }
                if (stop)
                {
                    next++;
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the row being sent and the rest go back for another sender, not counted as tried.
        }
        catch (Exception exception)
        {
            // The database failed mid-run: what was sent is recorded below; this row and the rest stay claimed and are
            // tried again when their lease expires (the platform may already have this one).
            LogRunFailed(logger, exception, run[next].ConversationId);
            outcomes.AddRange(await UnwrittenAsync(marked));
            return outcomes;
        }
        for (; next < run.Count; next++)
        {
            outcomes.Add(new Outcome(run[next].Id, OutboxStatus.Pending, Unclaim: true));
        }
        outcomes.AddRange(await UnwrittenAsync(marked));
        return outcomes;
    }

    /// <summary>Sends one row; the outcome to record (null when already recorded) and whether the rest of its run must wait.</summary>
    /// <summary>One send as a span of the trace its turn began (the traceparent kept in the payload), with its outcome counted.</summary>
    private async Task<(Outcome? Outcome, bool Stop)> SendOneAsync(Claimed row, Dictionary<Guid, string> sentHere, CancellationToken cancellationToken)
    {
        using var activity = BotTelemetry.StartContinuing("bot.outbox.send", TraceParentOf(row.Payload), System.Diagnostics.ActivityKind.Producer);
        activity?.SetTag("bot.channel", row.Channel);
        activity?.SetTag("bot.outbox_id", row.Id.ToString());
        var (outcome, stop) = await SendOneCoreAsync(row, sentHere, cancellationToken);
        var status = outcome?.Status.ToString() ?? nameof(OutboxStatus.Unreachable);
        activity?.SetTag("bot.outcome", status);
        BotTelemetry.OutboxSends.Add(1, new("channel", row.Channel), new("outcome", status));
        if (outcome?.Status == OutboxStatus.Sent)
        {
            // The row's id is a version 7 UUID made when the turn queued the reply: its first 48 bits are that time in ms.
            BotTelemetry.OutboxLag.Record((clock.GetUtcNow() - QueuedAt(row.Id)).TotalSeconds, new KeyValuePair<string, object?>("channel", row.Channel));
        }
        else if (outcome?.Status is OutboxStatus.Failed or OutboxStatus.Expired)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error);
        }
        return (outcome, stop);
    }

    private static DateTimeOffset QueuedAt(Guid version7)
    {
        Span<byte> bytes = stackalloc byte[16];
        version7.TryWriteBytes(bytes, bigEndian: true, out _);
        var ms = 0L;
        for (var i = 0; i < 6; i++)
        {
            ms = (ms << 8) | bytes[i];
        }
        return DateTimeOffset.FromUnixTimeMilliseconds(ms);
    }

    /// <summary>The payload's <c>traceParent</c> (written by the turn), found without parsing the whole message.</summary>
    private static string? TraceParentOf(string payload)
    {
        const string Key = "\"traceParent\"";
        var at = payload.IndexOf(Key, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }
        var start = payload.IndexOf('"', at + Key.Length) + 1;
        var end = start > 0 ? payload.IndexOf('"', start) : -1;
        return end > start ? payload[start..end] : null;
    }

    private async Task<(Outcome? Outcome, bool Stop)> SendOneCoreAsync(Claimed row, Dictionary<Guid, string> sentHere, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var progress = new Progress(row);
        if (row.Unreachable)
        {
            return (new Outcome(row.Id, OutboxStatus.Unreachable, Error: "the conversation is unreachable"), false);
        }
        if (now > row.ExpiresAt)
        {
            LogExpired(logger, row.Id, row.Channel);
            return (GiveUp(row, progress, OutboxStatus.Expired, "not delivered before it expired"), false);
        }
        if (!sendersByChannel.TryGetValue(row.Channel, out var sender))
        {
            // The channel is switched off in this replica's configuration; leave the rows for one that has it.
            return (new Outcome(row.Id, OutboxStatus.Pending, Error: $"channel '{row.Channel}' is not enabled here", NextAttemptAt: now + settings.Lease), true);
        }

        SendResult result;
        try
        {
            var message = Capped(BotJson.Deserialize<OutgoingMessage>(row.Payload));
            var replaces = row.ReplacesPlatformMessageId
                ?? (message.Replaces is { } replaced && sentHere.TryGetValue(replaced, out var platformId) ? platformId : null);
            result = await sender.SendAsync(
                new OutboundDelivery(row.Id, row.ConversationId, row.Address, row.Reference, message, replaces, row.Attempts)
                {
                    DeliveredParts = row.PartIds,
                    MaxParts = settings.MaxReplyParts,
                    RecordPartAsync = (index, id, _) => RecordPartAsync(row, progress, index, id),
                },
                cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception exception) when (progress.RecordFailed is null)
        {
            // Transport failure: the platform may or may not have it. Retry; channels make sends idempotent where they can.
            result = new SendResult.RetryLater(exception.GetType().Name + ": " + exception.Message);
        }
        if (progress.RecordFailed is { } recordFailed)
        {
            // A part went out but its record did not (the database failed, or another sender took the row over): the run
            // stops and leaves its rows claimed. When the lease runs out the next try starts at that part, the one part
            // that may reach the person twice.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(recordFailed);
        }

        switch (result)
        {
            case SendResult.Sent sent:
                if (sent.ConversationReference is { } reference)
                {
                    // Stored before the row counts as sent: whatever comes next for this conversation uses it.
                    await UpdateReferenceAsync(row.ConversationId, reference, cancellationToken);
                }
                return (new Outcome(row.Id, OutboxStatus.Sent, sent.PlatformMessageId), false);
            case SendResult.RetryLater retry:
                // Tries in a row that delivered nothing: a try that delivered a part starts the count again.
                var fruitless = row.Attempts - progress.LastPartAttempt;
                if (fruitless >= settings.MaxSendAttempts)
                {
                    LogGaveUp(logger, row.Id, row.Channel, fruitless, progress.Parts.Count, retry.Error);
                    return (GiveUp(row, progress, OutboxStatus.Failed, $"gave up after {fruitless} tries: {retry.Error}"), false);
                }
                var delay = Backoff.For(Math.Max(fruitless, 1), TimeSpan.FromSeconds(settings.RetryBaseSeconds), TimeSpan.FromSeconds(settings.MaxRetryDelaySeconds));
                if (retry.RetryAfter is { } wanted && wanted > delay)
                {
                    delay = wanted;
                }
                var at = now + delay;
                if (at > row.ExpiresAt)
                {
                    LogExpired(logger, row.Id, row.Channel);
                    return (GiveUp(row, progress, OutboxStatus.Expired, retry.Error), false);
                }
                LogRetry(logger, row.Id, row.Channel, delay.TotalSeconds, retry.Error);
                return (new Outcome(row.Id, OutboxStatus.Pending, Error: retry.Error, NextAttemptAt: at), true);
            case SendResult.Unreachable unreachable:
                LogUnreachable(logger, row.ConversationId, row.Channel, unreachable.Reason);
                // Marks this row and every other pending row of the conversation (the rest of the run included).
                await MarkUnreachableAsync(row, unreachable.Reason, now, cancellationToken);
                return (null, true);
            case SendResult.Failed failed:
                LogFailed(logger, row.Id, row.Channel, failed.Error);
                return (GiveUp(row, progress, OutboxStatus.Failed, failed.Error), false);
            default:
                throw new InvalidOperationException($"Unknown send result {result.GetType().Name}.");
        }
    }

    /// <summary>
    /// Records the outcomes of a batch in one statement; a row still Pending is given back (retry time, or not tried). The
    /// notes for replies cut short are queued in the same transaction, through the outbox's door (<c>enqueue_outbox</c>).
    /// </summary>
    private async Task FinishAsync(List<Outcome> outcomes, CancellationToken cancellationToken)
    {
        if (outcomes.Count == 0)
        {
            return;
        }
        var items = JsonArrays.Write(json =>
        {
            foreach (var outcome in outcomes)
            {
                json.WriteStartObject();
                json.WriteString("id", outcome.Id);
                json.WriteString("status", outcome.Status.ToString());
                json.WriteString("platform_message_id", outcome.PlatformMessageId);
                json.WriteString("error", outcome.Error);
                if (outcome.NextAttemptAt is { } at)
                {
                    json.WriteString("next_attempt_at", at);
                }
                json.WriteBoolean("unclaim", outcome.Unclaim);
                json.WriteEndObject();
            }
        });
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Sql.Command(
            $"""
            UPDATE outbox o
               SET status = f.status,
                   platform_message_id = COALESCE(f.platform_message_id, o.platform_message_id),
                   last_error = CASE WHEN f.unclaim THEN o.last_error ELSE f.error END,
                   lease_until = NULL,
                   sent_at = CASE WHEN f.status = '{nameof(OutboxStatus.Sent)}' THEN now() ELSE o.sent_at END,
                   next_attempt_at = COALESCE(f.next_attempt_at, o.next_attempt_at),
                   attempts = CASE WHEN f.unclaim THEN GREATEST(o.attempts - 1, 0) ELSE o.attempts END
              FROM jsonb_to_recordset($1) AS f(id uuid, status text, platform_message_id text, error text, next_attempt_at timestamptz, unclaim boolean)
             WHERE o.id = f.id AND o.status = '{nameof(OutboxStatus.Pending)}'
            """, Sql.Jsonb(items)));
        if (outcomes.Where(o => o.CutShort is not null).Select(o => o.CutShort!).ToList() is { Count: > 0 } cutShort)
        {
            var now = clock.GetUtcNow();
            var notes = JsonArrays.Write(json =>
            {
                foreach (var row in cutShort)
                {
                    OutboxRows.Write(json, CutShortNote(row), row.ThreadId, row.ConversationId, row.Channel, now.AddMinutes(settings.OutboxExpiryMinutes));
                }
            });
            batch.BatchCommands.Add(Sql.Command("SELECT enqueue_outbox($1, $2)", Sql.Jsonb(notes), now));
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task UpdateReferenceAsync(Guid conversationId, string reference, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE conversations SET reference = $2 WHERE id = $1");
        command.Parameters.Add(new() { Value = conversationId });
        command.Parameters.Add(Sql.Jsonb(reference));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task MarkUnreachableAsync(Claimed row, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Sql.Command(
            "UPDATE conversations SET unreachable_since = COALESCE(unreachable_since, $2), unreachable_reason = $3 WHERE id = $1",
            row.ConversationId, now, reason));
        batch.BatchCommands.Add(Sql.Command(
            $"UPDATE outbox SET status = '{nameof(OutboxStatus.Unreachable)}', last_error = $2, lease_until = NULL WHERE conversation_id = $1 AND status = '{nameof(OutboxStatus.Pending)}'",
            row.ConversationId, reason));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Sending to conversation {ConversationId} failed; its unsent rows are tried again after their lease")]
    private static partial void LogRunFailed(ILogger logger, Exception exception, Guid conversationId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox row {OutboxId} on {Channel} retries in {DelaySeconds:0.0} s: {Error}")]
    private static partial void LogRetry(ILogger logger, Guid outboxId, string channel, double delaySeconds, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox row {OutboxId} on {Channel} expired undelivered")]
    private static partial void LogExpired(ILogger logger, Guid outboxId, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Conversation {ConversationId} on {Channel} is unreachable: {Reason}")]
    private static partial void LogUnreachable(ILogger logger, Guid conversationId, string channel, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox row {OutboxId} on {Channel} given up after {Tries} tries that delivered nothing ({Parts} part(s) delivered before): {Error}")]
    private static partial void LogGaveUp(ILogger logger, Guid outboxId, string channel, int tries, int parts, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox row {OutboxId} on {Channel} was refused: {Error}")]
    private static partial void LogFailed(ILogger logger, Guid outboxId, string channel, string error);

}
