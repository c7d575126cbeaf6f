using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bot.Agent.Pipeline;

/// <summary>Runs <see cref="PipelineOptions.OutboxSenders"/> competing loops over the outbox.</summary>
public sealed partial class OutboxWorker(
    OutboxProcessor processor,
    PipelineSignals signals,
    IOptions<PipelineOptions> options,
    ILogger<OutboxWorker> logger) : BackgroundService
{
    private const int BatchSize = 16;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.Value.OutboxSenders).Select(n => LoopAsync(n, stoppingToken)));

    private async Task LoopAsync(int index, CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var handled = await processor.SendDueAsync(BatchSize, stoppingToken);
                failures = 0;
                if (handled == 0)
                {
                    await signals.Outbox.WaitAsync(options.Value.Poll, stoppingToken);
                }
                else
                {
                    signals.Outbox.Set();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                failures++;
                LogLoopFailed(logger, exception, index);
                await Backoff.DelayAsync(failures, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(30), stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox sender {Index} failed; retrying with backoff")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception, int index);
}
