using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bot.Pipeline;

/// <summary>
/// Runs <see cref="PipelineOptions.TurnWorkers"/> competing loops. Each keeps up to
/// <see cref="PipelineOptions.ThreadsPerWorker"/> threads running: whenever it has room it claims threads with pending
/// messages (one statement for many), and it claims again when woken by a new message or by one of its threads
/// finishing (a thread gives its lease back with its last commit; messages stored while it was held are then claimed).
/// </summary>
public sealed partial class TurnWorker(
    TurnProcessor processor,
    NpgsqlDataSource dataSource,
    PipelineSignals signals,
    IOptions<PipelineOptions> options,
    ILogger<TurnWorker> logger) : BackgroundService
{
    private readonly PipelineOptions settings = options.Value;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var instance = WorkerIdentity.Create("turn");
        return Task.WhenAll(Enumerable.Range(0, settings.TurnWorkers).Select(n => Task.Run(() => LoopAsync($"{instance}/{n}", stoppingToken), stoppingToken)));
    }

    private async Task LoopAsync(string owner, CancellationToken stoppingToken)
    {
        await using var leases = new ThreadLeases(dataSource, owner, settings.Lease, logger, stoppingToken);
        var running = new Dictionary<Guid, Task>();
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            foreach (var done in running.Where(r => r.Value.IsCompleted).Select(r => r.Key).ToList())
            {
                running.Remove(done);
            }
            var room = settings.ThreadsPerWorker - running.Count;
            try
            {
                if (room <= 0)
                {
                    await Task.WhenAny(running.Values).WaitAsync(stoppingToken);
                    continue;
                }
                // The threads still running are named so a lapsed lease does not let this worker claim one a second time.
                var claimed = await processor.ClaimAsync(owner, room, running.Keys, stoppingToken);
                failures = 0;
                foreach (var thread in claimed)
                {
                    running[thread.Thread.Id] = Task.Run(() => RunThreadAsync(thread, leases, stoppingToken), CancellationToken.None);
                }
                if (claimed.Count == 0)
                {
                    await signals.Inbox.WaitAsync(settings.Poll, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                failures++;
                LogLoopFailed(logger, exception, owner);
                try
                {
                    await Backoff.DelayAsync(failures, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(30), stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        // Threads see the stop themselves: each gives its lease back and leaves its unfinished message pending.
        await Task.WhenAll(running.Values);
    }

    private async Task RunThreadAsync(ClaimedThread thread, ThreadLeases leases, CancellationToken stoppingToken)
    {
        try
        {
            await processor.RunClaimedThreadAsync(thread, leases, releaseWithLastTurn: true, stoppingToken);
        }
        catch (Exception exception)
        {
            // The thread was given back (or its lease expires); its message stays pending and is tried again.
            LogThreadFailed(logger, exception, thread.Thread.Id);
        }
        finally
        {
            // Messages stored while this thread was held found it leased: look again now that it is free.
            signals.Inbox.Set();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Turn worker {Owner} failed; retrying with backoff")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception, string owner);

    [LoggerMessage(Level = LogLevel.Error, Message = "Running the turns of thread {ThreadId} failed; its message stays pending")]
    private static partial void LogThreadFailed(ILogger logger, Exception exception, Guid threadId);
}

internal static class WorkerIdentity
{
    public static string Create(string role) =>
        $"{Environment.MachineName}:{Environment.ProcessId}:{role}:{Guid.NewGuid().ToString("N")[..8]}";
}
