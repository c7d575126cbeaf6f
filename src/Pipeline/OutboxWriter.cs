using Bot.Pipeline.Model;
using Bot.Storage.Entities;
using Microsoft.Extensions.Options;
using Npgsql;
using static Bot.Pipeline.Sql;

namespace Bot.Pipeline;

/// <summary>
/// Sends into a thread outside a turn (an order filled later, a plan expired): the assistant events and the outbox
/// rows commit together (through the tables' doors, <c>append_thread_events</c> and <c>enqueue_outbox</c>), and the
/// outbox sender delivers as it does for any reply.
/// </summary>
public sealed class OutboxWriter(NpgsqlDataSource dataSource, PipelineSignals signals, PgNotifier notifier, TimeProvider clock, IOptions<PipelineOptions> options)
{
    public async Task EnqueueAsync(Guid threadId, Guid conversationId, string channel, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var expires = now.AddMinutes(options.Value.OutboxExpiryMinutes);
        // Strictly increasing timestamps keep the events in order within the thread.
        var events = messages.Where(m => m.Kind == OutgoingKind.Message)
            .Select((m, i) => (Guid.CreateVersion7(now.AddTicks(10 * (i + 1))), EventRoles.Assistant, new EventContent { Text = m.Text }, now.AddTicks(10 * (i + 1))));
        var items = JsonArrays.Write(json =>
        {
            foreach (var message in messages)
            {
                OutboxRows.Write(json, message, threadId, conversationId, channel, expires);
            }
        });

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            batch.BatchCommands.Add(Command("SELECT append_thread_events($1, NULL, $2)", threadId, Jsonb(ThreadEventRows.Array(events))));
            batch.BatchCommands.Add(Command("SELECT enqueue_outbox($1, $2)", Jsonb(items), now));
            await batch.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        signals.Outbox.Set();
        notifier.Notify(PipelineSignals.OutboxChannel);
    }
}
