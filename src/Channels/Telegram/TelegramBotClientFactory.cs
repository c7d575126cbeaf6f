using Telegram.Bot;

namespace Bot.Channels.Telegram;

/// <summary>How the channel's <see cref="TelegramBotClient"/> is made, in one place for the host and the tests.</summary>
public static class TelegramBotClientFactory
{
    /// <summary>
    /// The HTTP client's timeout: longer than the long poll (<see cref="TelegramRequests.LongPollSeconds"/>), so a quiet
    /// <c>getUpdates</c> ends with Telegram's empty answer rather than a timeout, and short enough that a dead connection
    /// is noticed within a minute.
    /// </summary>
    public static readonly TimeSpan HttpTimeout = TimeSpan.FromSeconds(TelegramRequests.LongPollSeconds + 15);

    /// <summary>
    /// Pointed at <c>Telegram:ApiBaseUrl</c>. <c>RetryThreshold = 0</c>: Telegram.Bot would otherwise sleep through a
    /// 429 itself; the outbox owns retries (persisted, with an expiry) and the polling loop its backoff.
    /// </summary>
    public static TelegramBotClient Create(TelegramOptions options, HttpClient http) =>
        new(new TelegramBotClientOptions(options.BotToken!, options.ApiBaseUrl) { RetryThreshold = 0 }, http);
}
