using Bot.Pipeline;

namespace Bot.Channels.Telegram;

/// <summary>How calls to the Bot API are retried when they fail (unless Telegram names a retry_after): 1 s, doubling, at most 60 s.</summary>
internal static class TelegramRetry
{
    public static readonly Backoff Backoff = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
}
