using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bot.Pipeline;

/// <summary>Runs <see cref="PipelineOptions.TurnWorkers"/> competing loops that claim threads and run their turns.</summary>
public sealed partial class TurnWorker(
    TurnProcessor processor,
    PipelineSignals signals,
    IOptions<PipelineOptions> options,
    ILogger<TurnWorker> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var count = options.Value.TurnWorkers;
        var instance = WorkerIdentity.Create("turn");
        return Task.WhenAll(Enumerable.Range(0, count).Select(n => LoopAsync($"{instance}/{n}", stoppingToken)));
    }

    private Task LoopAsync(string owner, CancellationToken stoppingToken) =>
        WorkerLoop.RunAsync(
            async ct =>
            {
                var threadId = await processor.ClaimThreadAsync(owner, ct);
                if (threadId is null)
                {
                    return false;
                }
                // More work may be waiting for another thread: let a sibling look while this one works.
                signals.Inbox.Set();
                await processor.ProcessThreadAsync(threadId.Value, owner, ct);
                return true;
            },
            signals.Inbox, options.Value.Poll, exception => LogLoopFailed(logger, exception, owner), stoppingToken);

    [LoggerMessage(Level = LogLevel.Error, Message = "Turn worker {Owner} failed; retrying with backoff")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception, string owner);
}

internal static class WorkerIdentity
{
    public static string Create(string role) =>
        $"{Environment.MachineName}:{Environment.ProcessId}:{role}:{Guid.NewGuid().ToString("N")[..8]}";
}
