using Bot.Pipeline.Model;
using Bot.Storage.Entities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bot.Pipeline;

/// <summary>
/// Step 8 of the message flow (docs/architecture.md). Claims due outbox rows in order per conversation, hands each to its channel's
/// sender, and records the outcome: the platform message id, a retry time (backoff, or the platform's Retry-After),
/// expiry when a reply would arrive too late, or the conversation marked unreachable.
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

    private sealed record Claimed(Guid Id, Guid ConversationId, string Channel, string Payload, int Attempts, DateTimeOffset ExpiresAt,
        string Address, string Reference, bool Unreachable, string? ReplacesPlatformMessageId);

    /// <summary>Claims and sends up to <paramref name="batchSize"/> rows; returns how many it handled.</summary>
    public async Task<int> SendDueAsync(int batchSize, CancellationToken cancellationToken)
    {
        var claimed = await ClaimAsync(batchSize, cancellationToken);
        foreach (var row in claimed)
        {
            await SendOneAsync(row, cancellationToken);
        }
        return claimed.Count;
    }

    private async Task<List<Claimed>> ClaimAsync(int batchSize, CancellationToken cancellationToken)
    {
        // Only the oldest pending row of each conversation is eligible, so messages arrive in order.
        await using var command = dataSource.CreateCommand(
            $"""
            WITH claimed AS (
                UPDATE outbox SET lease_until = now() + $2, attempts = attempts + 1
                WHERE id IN (
                    SELECT o.id FROM outbox o
                    WHERE o.status = '{nameof(OutboxStatus.Pending)}' AND o.next_attempt_at <= now()
                      AND (o.lease_until IS NULL OR o.lease_until < now())
                      AND NOT EXISTS (SELECT 1 FROM outbox p
                                      WHERE p.conversation_id = o.conversation_id AND p.status = '{nameof(OutboxStatus.Pending)}' AND p.seq < o.seq)
                    ORDER BY o.seq
                    LIMIT $1
                    FOR UPDATE SKIP LOCKED)
                RETURNING id, seq, conversation_id, channel, payload, attempts, expires_at)
            SELECT c.id, c.conversation_id, c.channel, c.payload::text, c.attempts, c.expires_at,
                   v.address, v.reference::text, v.unreachable_since IS NOT NULL,
                   (SELECT r.platform_message_id FROM outbox r WHERE r.id = (c.payload->>'replaces')::uuid)
            FROM claimed c JOIN conversations v ON v.id = c.conversation_id
            ORDER BY c.seq
            """);
        command.Parameters.Add(new() { Value = batchSize });
        command.Parameters.Add(new() { Value = settings.Lease });
        var rows = new List<Claimed>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new Claimed(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(6), reader.GetString(7), reader.GetBoolean(8),
                reader.IsDBNull(9) ? null : reader.GetString(9)));
        }
        return rows;
    }

    private async Task SendOneAsync(Claimed row, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (row.Unreachable)
        {
            await FinishAsync(row.Id, OutboxStatus.Unreachable, null, "the conversation is unreachable", cancellationToken);
            return;
        }
        if (now > row.ExpiresAt)
        {
            LogExpired(logger, row.Id, row.Channel);
            await FinishAsync(row.Id, OutboxStatus.Expired, null, "not delivered before it expired", cancellationToken);
            return;
        }
        if (!sendersByChannel.TryGetValue(row.Channel, out var sender))
        {
            // The channel is switched off in this replica's configuration; leave the row for one that has it.
            await RescheduleAsync(row.Id, now + settings.Lease, $"channel '{row.Channel}' is not enabled here", cancellationToken);
            return;
        }

        SendResult result;
        try
        {
            var message = BotJson.Deserialize<OutgoingMessage>(row.Payload);
            result = await sender.SendAsync(
                new OutboundDelivery(row.Id, row.ConversationId, row.Address, row.Reference, message, row.ReplacesPlatformMessageId, row.Attempts),
                cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await ReleaseAsync(row.Id);
            throw;
        }
        catch (Exception exception)
        {
            // Transport failure: the platform may or may not have it. Retry; channels make sends idempotent where they can.
            result = new SendResult.RetryLater(exception.GetType().Name + ": " + exception.Message);
        }

        switch (result)
        {
            case SendResult.Sent sent:
                if (sent.ConversationReference is { } reference)
                {
                    // Stored before the row counts as sent: whatever comes next for this conversation uses it.
                    await UpdateReferenceAsync(row.ConversationId, reference, cancellationToken);
                }
                await FinishAsync(row.Id, OutboxStatus.Sent, sent.PlatformMessageId, null, cancellationToken);
                break;
            case SendResult.RetryLater retry:
                var delay = Backoff.For(row.Attempts, TimeSpan.FromSeconds(settings.RetryBaseSeconds), TimeSpan.FromSeconds(settings.MaxRetryDelaySeconds));
                if (retry.RetryAfter is { } wanted && wanted > delay)
                {
                    delay = wanted;
                }
                var at = now + delay;
                if (at > row.ExpiresAt)
                {
                    LogExpired(logger, row.Id, row.Channel);
                    await FinishAsync(row.Id, OutboxStatus.Expired, null, retry.Error, cancellationToken);
                }
                else
                {
                    LogRetry(logger, row.Id, row.Channel, delay.TotalSeconds, retry.Error);
                    await RescheduleAsync(row.Id, at, retry.Error, cancellationToken);
                }
                break;
            case SendResult.Unreachable unreachable:
                LogUnreachable(logger, row.ConversationId, row.Channel, unreachable.Reason);
                await MarkUnreachableAsync(row, unreachable.Reason, now, cancellationToken);
                break;
            case SendResult.Failed failed:
                LogFailed(logger, row.Id, row.Channel, failed.Error);
                await FinishAsync(row.Id, OutboxStatus.Failed, null, failed.Error, cancellationToken);
                break;
        }
    }

    private async Task FinishAsync(Guid id, OutboxStatus status, string? platformMessageId, string? error, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            UPDATE outbox SET status = $2, platform_message_id = $3, last_error = $4, lease_until = NULL,
                              sent_at = CASE WHEN $2 = '{nameof(OutboxStatus.Sent)}' THEN now() ELSE sent_at END
            WHERE id = $1
            """);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = status.ToString() });
        command.Parameters.Add(new() { Value = (object?)platformMessageId ?? DBNull.Value });
        command.Parameters.Add(new() { Value = (object?)error ?? DBNull.Value });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task UpdateReferenceAsync(Guid conversationId, string reference, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE conversations SET reference = $2 WHERE id = $1");
        command.Parameters.Add(new() { Value = conversationId });
        command.Parameters.Add(Sql.Jsonb(reference));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task RescheduleAsync(Guid id, DateTimeOffset at, string error, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE outbox SET next_attempt_at = $2, last_error = $3, lease_until = NULL WHERE id = $1");
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = at });
        command.Parameters.Add(new() { Value = error });
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

    /// <summary>Gives a claimed row back at shutdown so another sender takes it at once rather than after the lease.</summary>
    private async Task ReleaseAsync(Guid id)
    {
        try
        {
            await using var command = dataSource.CreateCommand(
                $"UPDATE outbox SET lease_until = NULL, attempts = GREATEST(attempts - 1, 0) WHERE id = $1 AND status = '{nameof(OutboxStatus.Pending)}'");
            command.Parameters.Add(new() { Value = id });
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await command.ExecuteNonQueryAsync(timeout.Token);
        }
        catch (Exception exception) when (exception is NpgsqlException or OperationCanceledException)
        {
            LogReleaseFailed(logger, exception, id);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox row {OutboxId} on {Channel} retries in {DelaySeconds:0.0} s: {Error}")]
    private static partial void LogRetry(ILogger logger, Guid outboxId, string channel, double delaySeconds, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox row {OutboxId} on {Channel} expired undelivered")]
    private static partial void LogExpired(ILogger logger, Guid outboxId, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Conversation {ConversationId} on {Channel} is unreachable: {Reason}")]
    private static partial void LogUnreachable(ILogger logger, Guid conversationId, string channel, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox row {OutboxId} on {Channel} was refused: {Error}")]
    private static partial void LogFailed(ILogger logger, Guid outboxId, string channel, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release outbox row {OutboxId}; its lease will expire")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, Guid outboxId);
}
