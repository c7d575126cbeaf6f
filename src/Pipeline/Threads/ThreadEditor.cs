using Npgsql;
using static Bot.Pipeline.Sql;

namespace Bot.Pipeline.Threads;

/// <summary>
/// What a person does to their own threads from the web app: rename, archive, delete for real, fork. Every statement
/// names the owner, so another person's thread is simply not found. Plain SQL like the rest of the pipeline's tables;
/// a fork's events go through the events' door (<c>append_thread_events</c>).
/// </summary>
public sealed class ThreadEditor(NpgsqlDataSource dataSource, TimeProvider clock)
{
    public const int MaxTitleLength = 120;

    /// <summary>Sets the title and/or the archived mark; false when the person has no such thread. A title set here is never replaced by an automatic one (those only name untitled threads).</summary>
    public async Task<bool> UpdateAsync(Guid threadId, Guid userId, string? title, bool? archived, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            UPDATE threads SET title = COALESCE($3, title),
                   archived_at = CASE WHEN $4::boolean IS NULL THEN archived_at WHEN $4 THEN COALESCE(archived_at, $5) ELSE NULL END
             WHERE id = $1 AND user_id = $2
            """);
        command.Parameters.Add(new() { Value = threadId });
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = (object?)title ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)archived ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Boolean });
        command.Parameters.Add(new() { Value = clock.GetUtcNow() });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// Deletes the thread and what the database holds of it: its events, inbox and outbox rows (cascade and explicit),
    /// the web transcript of its messages (the person's echoes and the bot's activities), the web conversations that
    /// only served it (its own when no other thread or schedule lives there, and those opened to continue it), and any
    /// conversation's pointer to it (the next message there starts a fresh thread). Trade plans of the thread go with
    /// it (cascade); the paper broker's orders and the audit log stay, as records of the account, not of the thread;
    /// memories the thread taught stay (they are the person's, listed and forgotten with /memory) and lose their link.
    /// False when the person has no such thread.
    /// </summary>
    public async Task<bool> DeleteAsync(Guid threadId, Guid userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        Guid conversationId;
        await using (var find = new NpgsqlCommand("SELECT conversation_id FROM threads WHERE id = $1 AND user_id = $2 FOR UPDATE", connection, transaction))
        {
            find.Parameters.Add(new() { Value = threadId });
            find.Parameters.Add(new() { Value = userId });
            if (await find.ExecuteScalarAsync(cancellationToken) is not Guid found)
            {
                return false;
            }
            conversationId = found;
        }
        await using var batch = new NpgsqlBatch(connection, transaction);
        // The web transcript of its messages, in conversations that also hold other threads' messages.
        batch.BatchCommands.Add(Command(
            """
            DELETE FROM directline_activities d
             USING (SELECT c.address FROM inbox i JOIN conversations c ON c.id = i.conversation_id WHERE i.thread_id = $1 AND c.channel = 'web'
                    UNION
                    SELECT c.address FROM outbox o JOIN conversations c ON c.id = o.conversation_id WHERE o.thread_id = $1 AND c.channel = 'web') a
             WHERE d.conversation_address = a.address
               AND (d.outbox_id IN (SELECT o.id FROM outbox o WHERE o.thread_id = $1)
                    OR d.activity_id IN (SELECT replace(i.id::text, '-', '') FROM inbox i WHERE i.thread_id = $1))
            """, threadId));
        batch.BatchCommands.Add(Command("DELETE FROM outbox WHERE thread_id = $1", threadId));
        batch.BatchCommands.Add(Command("DELETE FROM threads WHERE id = $1", threadId));
        // Web conversations left serving nothing: their whole transcript, then the rows (their inbox and outbox go by cascade).
        batch.BatchCommands.Add(Command(
            """
            WITH orphans AS (
                SELECT c.id, c.address FROM conversations c
                 WHERE c.channel = 'web' AND (c.id = $2 OR c.current_thread_id = $1)
                   AND NOT EXISTS (SELECT 1 FROM threads t WHERE t.conversation_id = c.id)
                   AND NOT EXISTS (SELECT 1 FROM schedules s WHERE s.conversation_id = c.id)
                 FOR UPDATE),
            transcript AS (DELETE FROM directline_activities d USING orphans o WHERE d.conversation_address = o.address)
            DELETE FROM conversations c USING orphans o WHERE c.id = o.id
            """, threadId, conversationId));
        batch.BatchCommands.Add(Command("UPDATE conversations SET current_thread_id = NULL WHERE current_thread_id = $1", threadId));
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// A new web thread (with a web conversation of its own that continues it) holding copies of the source's events up
    /// to and including <paramref name="eventId"/>, at their original times, and the source's rolling summary when it
    /// covers no more than that. Null when the person has no such thread or the event is not one of its events.
    /// </summary>
    public async Task<Guid?> ForkAsync(Guid threadId, Guid userId, Guid eventId, string title, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var forkId = Guid.CreateVersion7(now);
        var conversationId = Guid.CreateVersion7(now);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var check = new NpgsqlCommand(
            "SELECT 1 FROM threads t JOIN thread_events e ON e.thread_id = t.id WHERE t.id = $1 AND t.user_id = $2 AND e.id = $3", connection, transaction))
        {
            check.Parameters.Add(new() { Value = threadId });
            check.Parameters.Add(new() { Value = userId });
            check.Parameters.Add(new() { Value = eventId });
            if (await check.ExecuteScalarAsync(cancellationToken) is null)
            {
                return null;
            }
        }
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Command(
            "INSERT INTO conversations (id, channel, address, reference, is_group, current_thread_id, created_at) VALUES ($1, 'web', $2, '{}', false, $3, $4)",
            conversationId, Guid.CreateVersion7(now).ToString("N"), forkId, now));
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO threads (id, user_id, conversation_id, title, status, created_at, updated_at, summary, summary_through)
            SELECT $1, s.user_id, $2, $3, 'Active', $4, $4,
                   CASE WHEN s.summary_through <= cut.created_at THEN s.summary END,
                   CASE WHEN s.summary_through <= cut.created_at THEN s.summary_through END
              FROM threads s, thread_events cut
             WHERE s.id = $5 AND cut.id = $6
            """, forkId, conversationId, title, now, threadId, eventId));
        // The copies keep their times; their ids are UUIDv7-shaped (the time's milliseconds, then the copy's position,
        // then bits of the fork's id), so events of the same instant keep their order as (created_at, id) sorts them.
        batch.BatchCommands.Add(Command(
            """
            SELECT append_thread_events(COALESCE(jsonb_agg(jsonb_build_object(
                       'id', (lpad(to_hex((extract(epoch FROM x.created_at) * 1000)::bigint), 12, '0') || '7000' || '8'
                              || lpad(to_hex(x.n), 7, '0') || substr(md5($1::text || x.n), 1, 8))::uuid,
                       'thread_id', $1, 'turn_id', NULL, 'role', x.role, 'content', x.content, 'at', x.created_at) ORDER BY x.n), '[]'::jsonb))
              FROM (SELECT e.role, e.content, e.created_at, row_number() OVER (ORDER BY e.created_at, e.id) AS n
                      FROM thread_events e, thread_events cut
                     WHERE e.thread_id = $2 AND cut.id = $3 AND (e.created_at, e.id) <= (cut.created_at, cut.id)) x
            """, forkId, threadId, eventId));
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return forkId;
    }
}
