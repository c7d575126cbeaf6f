using Bot.Agent.Model;
using Bot.Storage.Entities;
using Npgsql;
using NpgsqlTypes;

namespace Bot.Agent.Pipeline;

/// <summary>What <see cref="InboxRecorder"/> wrote (or found, for a duplicate delivery).</summary>
public sealed record InboundRecord(Guid InboxId, Guid ThreadId, Guid ConversationId, Guid UserId, Guid ThreadEventId, bool Duplicate);

/// <summary>A write a channel adds to the inbound transaction (for example the Direct Line echo of the user's activity).</summary>
public delegate Task InboundTransactionHook(NpgsqlConnection connection, NpgsqlTransaction transaction, InboundRecord record, CancellationToken cancellationToken);

/// <summary>
/// Step 3 of the message flow: in one transaction, resolve the user, conversation and thread, and write the inbox row
/// (unique on channel + platform event id) together with the user's thread event. A channel calls this before it
/// answers the platform, so an acknowledged message is never lost; a duplicate delivery stops here.
/// </summary>
public sealed class InboxRecorder(NpgsqlDataSource dataSource, TimeProvider clock, PipelineSignals signals)
{
    private const int MaxAttempts = 4;

    public async Task<InboundRecord> RecordAsync(IncomingMessage message, InboundTransactionHook? alsoInTransaction, CancellationToken cancellationToken)
    {
        // A concurrent first message can race us to create the same user, conversation or inbox row; the unique
        // constraints decide, and the loser starts again and finds what the winner wrote.
        for (var attempt = 1; ; attempt++)
        {
            InboundRecord? result;
            try
            {
                result = await TryRecordAsync(message, alsoInTransaction, cancellationToken);
            }
            catch (PostgresException exception) when (exception.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure && attempt < MaxAttempts)
            {
                // PostgreSQL chose this transaction as a deadlock victim; nothing was written, so run it again.
                continue;
            }
            if (result is not null)
            {
                if (!result.Duplicate)
                {
                    signals.Inbox.Set();
                }
                return result;
            }
            if (attempt == MaxAttempts)
            {
                throw new InvalidOperationException($"Could not record {message.Address.Channel} event {message.EventId}: conflicting writes kept winning.");
            }
        }
    }

    private async Task<InboundRecord?> TryRecordAsync(IncomingMessage message, InboundTransactionHook? alsoInTransaction, CancellationToken cancellationToken)
    {
        var channel = message.Address.Channel;
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var existing = await FindDuplicateAsync(connection, transaction, channel, message.EventId, cancellationToken);
        if (existing is not null)
        {
            return existing;
        }

        var userId = await ResolveUserAsync(connection, transaction, channel, message.From, now, cancellationToken);
        if (userId is null)
        {
            return null;
        }

        var (conversationId, currentThreadId) = await UpsertConversationAsync(connection, transaction, message, now, cancellationToken);
        var threadId = await ResolveThreadAsync(connection, transaction, message, userId.Value, conversationId, currentThreadId, now, cancellationToken);

        var inboxId = Guid.CreateVersion7(now);
        var eventId = Guid.CreateVersion7(now);
        var content = BotJson.Serialize(new EventContent { Text = message.Text, Action = message.Action });

        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(Command(
                "INSERT INTO thread_events (id, thread_id, role, content, created_at) VALUES ($1, $2, $3, $4, $5)",
                eventId, threadId, EventRoles.User, Jsonb(content), now));
            batch.BatchCommands.Add(Command(
                """
                INSERT INTO inbox (id, channel, event_id, thread_id, conversation_id, user_id, thread_event_id, payload, status, attempts, received_at, processed_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $10, 0, $9, $11)
                ON CONFLICT (channel, event_id) DO NOTHING
                RETURNING id
                """,
                inboxId, channel, message.EventId, threadId, conversationId, userId.Value, eventId, Jsonb(BotJson.Serialize(message)), now,
                // Already handled by the channel (see IncomingMessage.HandledOutcome): done, so no turn worker claims it.
                message.HandledOutcome is null ? nameof(InboxStatus.Pending) : nameof(InboxStatus.Done),
                message.HandledOutcome is null ? null : now));
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            var inserted = await reader.ReadAsync(cancellationToken);
            if (!inserted)
            {
                // Lost a race with a concurrent delivery of the same event: roll back, and the retry reports the duplicate.
                return null;
            }
        }

        if (message.HandledOutcome is { } outcome)
        {
            // The channel's answer, as the bot's event of this (never run) turn, right after the user's event.
            await using var answer = new NpgsqlCommand(
                "INSERT INTO thread_events (id, thread_id, role, content, created_at, turn_id) VALUES ($1, $2, $3, $4, $5, $6)",
                connection, transaction);
            answer.Parameters.Add(new() { Value = Guid.CreateVersion7(now) });
            answer.Parameters.Add(new() { Value = threadId });
            answer.Parameters.Add(new() { Value = EventRoles.Assistant });
            answer.Parameters.Add(Jsonb(BotJson.Serialize(new EventContent { Text = outcome })));
            answer.Parameters.Add(new() { Value = now.AddTicks(10) });
            answer.Parameters.Add(new() { Value = inboxId });
            await answer.ExecuteNonQueryAsync(cancellationToken);
        }

        var record = new InboundRecord(inboxId, threadId, conversationId, userId.Value, eventId, Duplicate: false);
        if (alsoInTransaction is not null)
        {
            await alsoInTransaction(connection, transaction, record, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        await PipelineSignals.NotifyAsync(connection, PipelineSignals.InboxChannel, string.Empty, CancellationToken.None);
        return record;
    }

    private static async Task<InboundRecord?> FindDuplicateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string channel, string eventId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT id, thread_id, conversation_id, user_id, thread_event_id FROM inbox WHERE channel = $1 AND event_id = $2",
            connection, transaction);
        command.Parameters.Add(new() { Value = channel });
        command.Parameters.Add(new() { Value = eventId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return new InboundRecord(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetGuid(3), reader.GetGuid(4), Duplicate: true);
    }

    private static async Task<Guid?> ResolveUserAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string channel, Sender from, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using (var find = new NpgsqlCommand(
            "SELECT user_id FROM channel_identities WHERE channel = $1 AND platform_user_id = $2", connection, transaction))
        {
            find.Parameters.Add(new() { Value = channel });
            find.Parameters.Add(new() { Value = from.PlatformUserId });
            if (await find.ExecuteScalarAsync(cancellationToken) is Guid known)
            {
                return known;
            }
        }

        var userId = Guid.CreateVersion7(now);
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Command(
            "INSERT INTO users (id, display_name, created_at) VALUES ($1, $2, $3)",
            userId, from.DisplayName ?? from.PlatformUserId, now));
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO channel_identities (id, user_id, channel, platform_user_id, display_name, created_at)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (channel, platform_user_id) DO NOTHING
            RETURNING user_id
            """,
            Guid.CreateVersion7(now), userId, channel, from.PlatformUserId, (object?)from.DisplayName ?? DBNull.Value, now));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? userId : null;
    }

    private static async Task<(Guid Id, Guid? CurrentThreadId)> UpsertConversationAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IncomingMessage message, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // DO UPDATE (not DO NOTHING) so the row comes back and stays locked until commit: messages of one
        // conversation then agree on its current thread. A message from the conversation also means the bot can reach it
        // again (the user unblocked it), so an earlier "unreachable" mark is cleared.
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO conversations (id, channel, address, reference, is_group, created_at)
            VALUES ($1, $2, $3, COALESCE($4, '{}'::jsonb), $5, $6)
            ON CONFLICT (channel, address) DO UPDATE
               SET reference = COALESCE($4, conversations.reference),
                   unreachable_since = NULL, unreachable_reason = NULL
            RETURNING id, current_thread_id
            """,
            connection, transaction);
        command.Parameters.Add(new() { Value = Guid.CreateVersion7(now) });
        command.Parameters.Add(new() { Value = message.Address.Channel });
        command.Parameters.Add(new() { Value = message.Address.ConversationId });
        command.Parameters.Add(new() { Value = (object?)message.ConversationReference ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new() { Value = message.IsGroup });
        command.Parameters.Add(new() { Value = now });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetGuid(1));
    }

    private static async Task<Guid> ResolveThreadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IncomingMessage message, Guid userId, Guid conversationId, Guid? currentThreadId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (message.Address.ThreadKey is { } threadKey)
        {
            await using var upsert = new NpgsqlCommand(
                """
                INSERT INTO threads (id, user_id, conversation_id, thread_key, status, created_at, updated_at)
                VALUES ($1, $2, $3, $4, 'Active', $5, $5)
                ON CONFLICT (conversation_id, thread_key) WHERE thread_key IS NOT NULL DO UPDATE SET updated_at = $5
                RETURNING id
                """,
                connection, transaction);
            upsert.Parameters.Add(new() { Value = Guid.CreateVersion7(now) });
            upsert.Parameters.Add(new() { Value = userId });
            upsert.Parameters.Add(new() { Value = conversationId });
            upsert.Parameters.Add(new() { Value = threadKey });
            upsert.Parameters.Add(new() { Value = now });
            return (Guid)(await upsert.ExecuteScalarAsync(cancellationToken))!;
        }

        if (message.ThreadMode == ThreadMode.CurrentThreadPointer && message.ReplyToPlatformMessageId is { } repliedTo)
        {
            // A reply to (or a button on) an older bot message resumes that message's thread.
            await using var find = new NpgsqlCommand(
                "SELECT thread_id FROM outbox WHERE conversation_id = $1 AND platform_message_id = $2 AND thread_id IS NOT NULL ORDER BY seq DESC LIMIT 1",
                connection, transaction);
            find.Parameters.Add(new() { Value = conversationId });
            find.Parameters.Add(new() { Value = repliedTo });
            if (await find.ExecuteScalarAsync(cancellationToken) is Guid resumed)
            {
                if (resumed != currentThreadId)
                {
                    await using var point = new NpgsqlCommand("UPDATE conversations SET current_thread_id = $2 WHERE id = $1", connection, transaction);
                    point.Parameters.Add(new() { Value = conversationId });
                    point.Parameters.Add(new() { Value = resumed });
                    await point.ExecuteNonQueryAsync(cancellationToken);
                }
                return resumed;
            }
        }

        if (currentThreadId is { } current)
        {
            return current;
        }

        var threadId = Guid.CreateVersion7(now);
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Command(
            "INSERT INTO threads (id, user_id, conversation_id, status, created_at, updated_at) VALUES ($1, $2, $3, 'Active', $4, $4)",
            threadId, userId, conversationId, now));
        batch.BatchCommands.Add(Command(
            "UPDATE conversations SET current_thread_id = $2 WHERE id = $1", conversationId, threadId));
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return threadId;
    }

    internal static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value ?? DBNull.Value });
        }
        return command;
    }

    internal static NpgsqlParameter Jsonb(string json) => new() { Value = json, NpgsqlDbType = NpgsqlDbType.Jsonb };
}
