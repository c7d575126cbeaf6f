using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bot.Channels.Telegram;

/// <summary>
/// Long polling (one box). Each update is recorded before the offset moves past it, and the offset is stored in the
/// database, so a crash re-reads at most what was not yet recorded, and the inbox drops the repeats. Errors back off
/// from 1 s doubling to 60 s. A server that ignores the long-poll timeout (the test server) gets a pause when
/// nothing is new.
/// </summary>
public sealed class TelegramPollingService(TelegramClient client, TelegramBotInfo botInfo, TelegramUpdateHandler handler, TelegramStateStore state, ILogger<TelegramPollingService> logger)
    : BackgroundService
{
    private const int LongPollSeconds = 25;
    private static readonly TimeSpan MinBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(60);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var bot = await botInfo.GetAsync(stoppingToken);
        TelegramLog.Started(logger, bot.Username, "polling");
        await CallWithBackoffAsync("deleteWebhook", () => client.DeleteWebhookAsync(stoppingToken), stoppingToken);
        var offset = await state.GetOffsetAsync(stoppingToken);
        var backoff = MinBackoff;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var updates = await client.GetUpdatesAsync(offset, LongPollSeconds, stoppingToken);
                var fresh = updates.Where(u => offset is null || u.UpdateId >= offset).OrderBy(u => u.UpdateId).ToList();
                foreach (var update in fresh)
                {
                    await handler.HandleAsync(update, stoppingToken);
                    offset = update.UpdateId + 1;
                    await state.SaveOffsetAsync(offset.Value, stoppingToken);
                }
                backoff = MinBackoff;
                if (fresh.Count == 0)
                {
                    await Task.Delay(MinBackoff, stoppingToken);
                }
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                var wait = exception is TelegramApiException { RetryAfter: { } retryAfter } ? retryAfter : backoff;
                // Whatever failed (the Bot API, the database), the offset has not moved past an unrecorded update.
                TelegramLog.CallFailed(logger, exception, "getUpdates", wait);
                await Task.Delay(wait, stoppingToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    private async Task CallWithBackoffAsync(string method, Func<Task> call, CancellationToken cancellationToken)
    {
        var delay = MinBackoff;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                await call();
                return;
            }
            catch (Exception exception) when (exception is TelegramApiException or TelegramTransportException)
            {
                TelegramLog.CallFailed(logger, exception, method, delay);
                await Task.Delay(delay, cancellationToken);
                delay *= 2;
            }
        }
    }
}
