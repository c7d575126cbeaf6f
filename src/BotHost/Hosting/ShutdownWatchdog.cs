using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace Bot.BotHost.Hosting;

/// <summary>
/// The bound on stopping. Once the host is told to stop (SIGTERM), the process is gone within
/// <c>Http:ShutdownTimeoutSeconds</c> plus <see cref="Grace"/>, whatever a service does: the host passes the timeout to
/// each service's stop but waits for it regardless, and a stop that ignores it (seen: the scheduler's job store retrying
/// a database that had gone away) kept a process alive for hours. Past the bound the process says so and ends itself, as
/// the platform's SIGKILL would after its grace period: what matters is durable in PostgreSQL already, and leases a
/// stopped worker could not give back expire.
/// </summary>
internal sealed partial class ShutdownWatchdog(IHostApplicationLifetime lifetime, IOptions<HostOptions> options, ILogger<ShutdownWatchdog> logger) : IHostedService, IDisposable
{
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    /// <summary>Cancelled once every service has stopped (or the host is disposed): the stop finished within its bound.</summary>
    private readonly CancellationTokenSource stopped = new();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStopping.Register(() => _ = Task.Run(ExpireAsync, CancellationToken.None));
        lifetime.ApplicationStopped.Register(Disarm);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => Disarm();

    private void Disarm()
    {
        try
        {
            stopped.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task ExpireAsync()
    {
        var bound = options.Value.ShutdownTimeout + Grace;
        try
        {
            // A host that stops in time (or one a test runs in its own process and stops) disarms it.
            await Task.Delay(bound, stopped.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        LogForced(logger, bound.TotalSeconds);
        // A moment for the console logger to write the line; then the same end as SIGKILL.
        await Task.Delay(TimeSpan.FromMilliseconds(250), CancellationToken.None);
        Process.GetCurrentProcess().Kill();
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "The host had not stopped {Seconds} s after it was told to (a service's stop ignored the shutdown timeout); ending the process now")]
    private static partial void LogForced(ILogger logger, double seconds);
}
