using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Bot.Pipeline;

/// <summary>Something that wants PostgreSQL notifications on one channel (raised with <c>pg_notify</c> at commit).</summary>
public interface IPgNotificationSubscriber
{
    string PgChannel { get; }

    void OnNotification(string payload);
}

/// <summary>
/// Holds one connection that LISTENs for the pipeline's notifications, so a message committed by one replica wakes
/// the workers (and Direct Line streams) of every replica at once. Polling remains the fallback if it drops.
/// </summary>
public sealed partial class PgNotificationListener(
    NpgsqlDataSource dataSource,
    PipelineSignals signals,
    IEnumerable<IPgNotificationSubscriber> subscribers,
    ILogger<PgNotificationListener> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var handlers = subscribers.ToLookup(s => s.PgChannel, StringComparer.Ordinal);
        var channels = new[] { PipelineSignals.InboxChannel, PipelineSignals.OutboxChannel }.Concat(handlers.Select(h => h.Key)).Distinct().ToList();
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) =>
                {
                    switch (e.Channel)
                    {
                        case PipelineSignals.InboxChannel: signals.Inbox.Set(); break;
                        case PipelineSignals.OutboxChannel: signals.Outbox.Set(); break;
                        default:
                            foreach (var handler in handlers[e.Channel])
                            {
                                handler.OnNotification(e.Payload);
                            }
                            break;
                    }
                };
                foreach (var channel in channels)
                {
                    await using var listen = new NpgsqlCommand($"LISTEN {channel}", connection);
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                failures = 0;
                // Anything committed while we were not listening: wake everyone once.
                signals.Inbox.Set();
                signals.Outbox.Set();
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(TimeSpan.FromSeconds(30), stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException or System.IO.IOException)
            {
                failures++;
                LogListenFailed(logger, exception);
                await Backoff.DelayAsync(failures, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the PostgreSQL notification connection; workers poll until it is back")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);
}
