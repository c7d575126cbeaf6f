using Microsoft.Extensions.Hosting;

namespace Bot.Pipeline;

/// <summary>
/// Runs <see cref="InboxRecorder"/>'s batch writers for the host's lifetime. On shutdown (after the web server has
/// stopped taking requests) it lets the writers finish what is queued: every caller is waiting for its commit.
/// </summary>
public sealed class InboxBatchWriter(InboxRecorder recorder) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => recorder.RunWritersAsync();

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        recorder.Complete();
        await base.StopAsync(cancellationToken);
    }
}
