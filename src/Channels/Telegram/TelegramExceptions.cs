namespace Bot.Channels.Telegram;

/// <summary>Telegram answered <c>ok:false</c>: its error code, description and (for 429) how long to wait.</summary>
public sealed class TelegramApiException(string method, int errorCode, string description, TimeSpan? retryAfter)
    : Exception($"Telegram {method} failed with {errorCode}: {description}")
{
    public string Method { get; } = method;
    public int ErrorCode { get; } = errorCode;
    public string Description { get; } = description;
    public TimeSpan? RetryAfter { get; } = retryAfter;

    public bool CannotParseEntities => ErrorCode == 400 && Description.Contains("can't parse entities", StringComparison.OrdinalIgnoreCase);

    public bool NotModified => ErrorCode == 400 && Description.Contains("message is not modified", StringComparison.OrdinalIgnoreCase);
}

/// <summary>The request did not get a Bot API answer (network, timeout, a non-JSON reply).</summary>
public sealed class TelegramTransportException(string method, string reason, Exception? inner = null)
    : Exception($"Telegram {method} did not answer: {reason}", inner)
{
    public string Method { get; } = method;
}
