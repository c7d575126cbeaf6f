using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bot.Pipeline;

/// <summary>Runs <see cref="PipelineOptions.OutboxSenders"/> competing loops over the outbox.</summary>
public sealed partial class OutboxWorker(
    OutboxProcessor processor,
    PipelineSignals signals,
    IOptions<PipelineOptions> options,
    ILogger<OutboxWorker> logger) : BackgroundService
{
    /// <summary>Conversations claimed per round (each with a run of its rows).</summary>
    private const int BatchSize = 64;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.Value.OutboxSenders).Select(n => LoopAsync(n, stoppingToken)));

    private Task LoopAsync(int index, CancellationToken stoppingToken) =>
        WorkerLoop.RunAsync(
            async ct => await processor.SendDueAsync(BatchSize, ct) > 0,
            signals.Outbox, options.Value.Poll, exception => LogLoopFailed(logger, exception, index), stoppingToken);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox sender {Index} failed; retrying with backoff")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception, int index);
}
