using Bot.Pipeline.Model;
using Bot.Storage.Entities;
using Microsoft.Extensions.Options;
using Npgsql;
using static Bot.Pipeline.Sql;

namespace Bot.Pipeline;

/// <summary>
/// Sends into a thread outside a turn (an order filled later, a plan expired): the assistant event and the outbox
/// row commit together, and the outbox sender delivers as it does for any reply.
/// </summary>
public sealed class OutboxWriter(NpgsqlDataSource dataSource, PipelineSignals signals, PgNotifier notifier, TimeProvider clock, IOptions<PipelineOptions> options)
{
    public async Task EnqueueAsync(Guid threadId, Guid conversationId, string channel, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            var at = now;
            foreach (var message in messages)
            {
                at = at.AddTicks(10);
                if (message.Kind == OutgoingKind.Message)
                {
                    batch.BatchCommands.Add(Command(
                        "INSERT INTO thread_events (id, thread_id, role, content, created_at) VALUES ($1, $2, $3, $4, $5)",
                        Guid.CreateVersion7(at), threadId, EventRoles.Assistant, Jsonb(BotJson.Serialize(new EventContent { Text = message.Text })), at));
                }
                batch.BatchCommands.Add(Command(
                    """
                    INSERT INTO outbox (id, conversation_id, thread_id, channel, payload, status, attempts, created_at, next_attempt_at, expires_at)
                    VALUES ($1, $2, $3, $4, $5, 'Pending', 0, $6, $6, $7)
                    """,
                    message.Id, conversationId, threadId, channel, Jsonb(BotJson.Serialize(message)), at, now.AddMinutes(options.Value.OutboxExpiryMinutes)));
            }
            await batch.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        signals.Outbox.Set();
        notifier.Notify(PipelineSignals.OutboxChannel);
    }
}
