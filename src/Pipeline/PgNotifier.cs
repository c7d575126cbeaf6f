using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Bot.Pipeline;

/// <summary>
/// Sends PostgreSQL NOTIFYs (which wake every replica's listener) off the caller's path, coalesced: a notification is
/// sent at once when none is in flight, else right after the one in flight, in one statement with every other
/// notification queued meanwhile (duplicates merged). Callers notify only after their data has committed. A lost
/// notification costs latency, not data: every listener also polls.
/// </summary>
public sealed partial class PgNotifier(NpgsqlDataSource dataSource, ILogger<PgNotifier> logger)
{
    private readonly Lock gate = new();
    private HashSet<(string Channel, string Payload)> pending = [];
    private bool flushing;

    public void Notify(string channel, string payload = "")
    {
        lock (gate)
        {
            pending.Add((channel, payload));
            if (flushing)
            {
                return;
            }
            flushing = true;
        }
        _ = Task.Run(FlushAsync);
    }

    private async Task FlushAsync()
    {
        while (true)
        {
            HashSet<(string Channel, string Payload)> batch;
            lock (gate)
            {
                if (pending.Count == 0)
                {
                    flushing = false;
                    return;
                }
                batch = pending;
                pending = [];
            }
            try
            {
                // A notify-only statement writes no WAL: it takes PostgreSQL's notify lock only for a moment.
                await using var command = dataSource.CreateCommand();
                var sql = new StringBuilder("SELECT ");
                var n = 0;
                foreach (var (channel, payload) in batch)
                {
                    sql.Append(n == 0 ? "" : ", ").Append("pg_notify($").Append(n + 1).Append(", $").Append(n + 2).Append(')');
                    command.Parameters.Add(new NpgsqlParameter { Value = channel });
                    command.Parameters.Add(new NpgsqlParameter { Value = payload });
                    n += 2;
                }
                command.CommandText = sql.ToString();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await command.ExecuteNonQueryAsync(timeout.Token);
            }
            catch (Exception exception) when (exception is NpgsqlException or OperationCanceledException or InvalidOperationException)
            {
                LogNotifyFailed(logger, exception, batch.Count);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not send {Count} notification(s); listeners will find the work by polling")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception, int count);
}
