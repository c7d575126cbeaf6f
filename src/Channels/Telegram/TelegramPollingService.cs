using Bot.Pipeline;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Telegram.Bot;
using Telegram.Bot.Exceptions;

namespace Bot.Channels.Telegram;

/// <summary>
/// Long polling (one box). Each update is recorded before the offset moves past it, and the offset is stored in the
/// database, so a crash re-reads at most what was not yet recorded, and the inbox drops the repeats. Errors back off
/// from 1 s doubling to 60 s, or as long as a 429 says. The HTTP client's timeout
/// (<see cref="TelegramBotClientFactory.HttpTimeout"/>) outlasts the long poll (<see cref="TelegramRequests.LongPollSeconds"/>), so a quiet poll ends with Telegram's empty answer, not a timeout.
/// An empty answer is followed by a one-second pause, so a server that answers at once never makes this a busy loop.
/// </summary>
public sealed class TelegramPollingService(ITelegramBotClient client, TelegramBotInfo botInfo, TelegramUpdateHandler handler, TelegramStateStore state, ILogger<TelegramPollingService> logger)
    : BackgroundService
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var bot = await botInfo.GetAsync(stoppingToken);
        TelegramLog.Started(logger, bot.Username, "polling");
        await CallWithBackoffAsync("deleteWebhook", () => client.SendRequest(TelegramRequests.DeleteWebhook(), stoppingToken), stoppingToken);
        var offset = await state.GetOffsetAsync(stoppingToken);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var updates = await client.SendRequest(TelegramRequests.GetUpdates(offset), stoppingToken);
                var fresh = updates.Where(u => offset is null || u.Id >= offset).OrderBy(u => u.Id).ToList();
                foreach (var update in fresh)
                {
                    if (await handler.HandleAsync(update, stoppingToken) is { } refused)
                    {
                        TelegramLog.UpdateRefused(logger, update.Id, refused); // skipped: it would be refused every time
                    }
                    offset = update.Id + 1L;
                    await state.SaveOffsetAsync(offset.Value, stoppingToken);
                }
                failures = 0;
                if (fresh.Count == 0)
                {
                    await Task.Delay(Idle, stoppingToken);
                }
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                failures++;
                var wait = exception is RequestException request && request.RetryAfter() is { } retryAfter ? retryAfter : TelegramRetry.Backoff.After(failures);
                // Whatever failed (the Bot API, the database), the offset has not moved past an unrecorded update.
                TelegramLog.CallFailed(logger, exception, "getUpdates", wait);
                await Task.Delay(wait, stoppingToken);
            }
        }
    }

    private async Task CallWithBackoffAsync(string method, Func<Task<bool>> call, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            try
            {
                await call();
                return;
            }
            catch (RequestException exception)
            {
                var delay = TelegramRetry.Backoff.After(attempt);
                TelegramLog.CallFailed(logger, exception, method, delay);
                await Task.Delay(delay, cancellationToken);
            }
        }
    }
}
