using Bot.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bot.Finance.Ibkr;

/// <summary>
/// Keeps the IBKR gateway session alive: <c>/tickle</c> every <see cref="IbkrOptions.KeepAliveSeconds"/>. When the
/// gateway is unreachable or the brokerage session lapsed, it asks the gateway to reopen it and retries after
/// 1 s, 2 s, 4 s ... up to 60 s, back to the normal rhythm on the first success. Off when IBKR is not configured.
/// </summary>
public sealed partial class IbkrKeepAlive(IServiceProvider services, IOptions<IbkrOptions> options, TimeProvider clock, ILogger<IbkrKeepAlive> logger) : BackgroundService
{
    /// <summary>The wait after the n-th failure in a row: 1 s, doubling, at most 60 s (one gateway per host: no jitter needed).</summary>
    public static readonly Backoff Retry = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), Jitter: 0);

    /// <summary>How the loop waits; tests replace it to record the delays instead of sleeping.</summary>
    internal Func<TimeSpan, CancellationToken, Task> Delay { get; init; } = (delay, token) => Task.Delay(delay, clock, token);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.IsConfigured)
        {
            return;
        }
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var alive = await TickleAsync(services.GetRequiredService<IbkrClient>(), stoppingToken);
            if (alive)
            {
                if (failures > 0)
                {
                    LogRecovered(logger, failures);
                }
                failures = 0;
            }
            else
            {
                failures++;
            }
            try
            {
                await Delay(alive ? TimeSpan.FromSeconds(options.Value.KeepAliveSeconds) : Retry.After(failures), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>True when the gateway answered and its brokerage session is authenticated.</summary>
    internal async Task<bool> TickleAsync(IbkrClient client, CancellationToken cancellationToken)
    {
        try
        {
            var answer = await client.TickleAsync(cancellationToken);
            if (answer.Error is null && answer.Iserver?.AuthStatus?.Authenticated != false)
            {
                return true;
            }
            LogSessionLapsed(logger, answer.Error ?? "not authenticated");
            await client.InitSessionAsync(cancellationToken);
            return false;
        }
        catch (Exception exception) when (exception is IbkrApiException or IbkrTransportException)
        {
            LogTickleFailed(logger, exception.Message);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "IBKR keepalive failed: {Reason}")]
    private static partial void LogTickleFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "IBKR brokerage session lapsed ({Reason}); asking the gateway to reopen it")]
    private static partial void LogSessionLapsed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "IBKR session is alive again after {Failures} failed keepalive(s)")]
    private static partial void LogRecovered(ILogger logger, int failures);
}
