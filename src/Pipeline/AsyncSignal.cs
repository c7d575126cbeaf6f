namespace Bot.Pipeline;

/// <summary>An auto-reset wake-up for workers: <see cref="Set"/> wakes one waiter (or the next one to wait).</summary>
public sealed class AsyncSignal : IDisposable
{
    private readonly SemaphoreSlim semaphore = new(0, 1);

    public void Set()
    {
        try
        {
            semaphore.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled; one pending wake-up is enough because a woken worker drains all work.
        }
        catch (ObjectDisposedException)
        {
            // The waiter is gone.
        }
    }

    /// <summary>Waits for a signal or the timeout, whichever comes first.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        semaphore.WaitAsync(timeout, cancellationToken);

    public void Dispose() => semaphore.Dispose();
}

/// <summary>Wake-ups for the pipeline's workers, raised locally after a commit and by PostgreSQL NOTIFY from other replicas.</summary>
public sealed class PipelineSignals : IDisposable
{
    public const string InboxChannel = "bot_inbox";
    public const string OutboxChannel = "bot_outbox";

    public AsyncSignal Inbox { get; } = new();
    public AsyncSignal Outbox { get; } = new();

    public void Dispose()
    {
        Inbox.Dispose();
        Outbox.Dispose();
    }
}
