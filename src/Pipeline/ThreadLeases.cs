using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Bot.Pipeline;

/// <summary>
/// The leases one worker holds on threads whose turns it is running. Every third of the lease time one statement renews
/// them all; a thread whose lease was not renewed (it expired and another worker took it over) has its turns cancelled,
/// and when the database cannot be reached every thread is cancelled rather than risk two workers answering one.
/// </summary>
internal sealed partial class ThreadLeases : IAsyncDisposable
{
    private readonly NpgsqlDataSource dataSource;
    private readonly string owner;
    private readonly TimeSpan lease;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stopping;
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> held = new();
    private readonly Task renewing;

    public ThreadLeases(NpgsqlDataSource dataSource, string owner, TimeSpan lease, ILogger logger, CancellationToken stoppingToken)
    {
        this.dataSource = dataSource;
        this.owner = owner;
        this.lease = lease;
        this.logger = logger;
        stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        renewing = RenewLoopAsync();
    }

    public string Owner => owner;

    /// <summary>Starts watching a claimed thread; the returned token is cancelled if its lease is lost or the worker stops.</summary>
    public CancellationToken Track(Guid threadId)
    {
        var cancellation = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
        held[threadId] = cancellation;
        return cancellation.Token;
    }

    /// <summary>Stops watching (the lease was given back, or the thread is let go).</summary>
    public void Untrack(Guid threadId)
    {
        if (held.TryRemove(threadId, out var cancellation))
        {
            cancellation.Dispose();
        }
    }

    private async Task RenewLoopAsync()
    {
        var every = lease / 3;
        try
        {
            while (true)
            {
                await Task.Delay(every, stopping.Token);
                if (held.IsEmpty)
                {
                    continue;
                }
                var watched = held.Keys.ToArray();
                try
                {
                    var renewed = await RenewAsync(watched, stopping.Token);
                    foreach (var threadId in watched.Where(id => !renewed.Contains(id)))
                    {
                        if (held.TryGetValue(threadId, out var cancellation))
                        {
                            LogLeaseLost(logger, threadId);
                            await CancelAsync(cancellation);
                        }
                    }
                }
                catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
                {
                    LogRenewFailed(logger, exception, watched.Length);
                    foreach (var cancellation in held.Values)
                    {
                        await CancelAsync(cancellation);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task CancelAsync(CancellationTokenSource cancellation)
    {
        try
        {
            await cancellation.CancelAsync();
        }
        catch (ObjectDisposedException)
        {
            // The thread was let go meanwhile.
        }
    }

    private async Task<HashSet<Guid>> RenewAsync(Guid[] threadIds, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE threads SET lease_until = now() + $3 WHERE id = ANY($1) AND lease_owner = $2 RETURNING id");
        command.Parameters.Add(new() { Value = threadIds });
        command.Parameters.Add(new() { Value = owner });
        command.Parameters.Add(new() { Value = lease });
        var renewed = new HashSet<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            renewed.Add(reader.GetGuid(0));
        }
        return renewed;
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        try
        {
            await renewing;
        }
        catch (OperationCanceledException)
        {
        }
        foreach (var threadId in held.Keys)
        {
            Untrack(threadId);
        }
        stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the lease on thread {ThreadId}; another worker continues it")]
    private static partial void LogLeaseLost(ILogger logger, Guid threadId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the leases on {Count} thread(s); letting them go")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception, int count);
}
