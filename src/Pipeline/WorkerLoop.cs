using Npgsql;

namespace Bot.Pipeline;

/// <summary>
/// The loop every pipeline worker runs: do a unit of work; when there was none, wait for a wake-up or the poll
/// interval; when the database fails, back off (0.5 s doubling to 30 s) and try again; stop with the host.
/// </summary>
public static class WorkerLoop
{
    /// <param name="step">Does one unit of work; false when there was nothing to do.</param>
    public static async Task RunAsync(Func<CancellationToken, Task<bool>> step, AsyncSignal wake, TimeSpan poll, Action<Exception> onFailure, CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var worked = await step(stoppingToken);
                failures = 0;
                if (worked)
                {
                    // More may be waiting: let a sibling look too.
                    wake.Set();
                }
                else
                {
                    await wake.WaitAsync(poll, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                failures++;
                onFailure(exception);
                await Backoff.DelayAsync(failures, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(30), stoppingToken);
            }
        }
    }
}
