using Telegram.Bot.Exceptions;

namespace Bot.Channels.Telegram;

/// <summary>
/// Reading Telegram.Bot's two exception types: <see cref="ApiRequestException"/> (Telegram answered <c>ok:false</c>
/// with an error code and maybe <c>retry_after</c>) and <see cref="RequestException"/> (no Bot API answer: network,
/// timeout, a page that is not JSON). Neither message carries the request URL, which contains the token.
/// </summary>
public static class TelegramErrors
{
    public static bool CannotParseEntities(this ApiRequestException exception) =>
        exception.ErrorCode == 400 && exception.Message.Contains("can't parse entities", StringComparison.OrdinalIgnoreCase);

    public static bool NotModified(this ApiRequestException exception) =>
        exception.ErrorCode == 400 && exception.Message.Contains("message is not modified", StringComparison.OrdinalIgnoreCase);

    /// <summary>How long Telegram asked us to wait (429), if it said.</summary>
    public static TimeSpan? RetryAfter(this RequestException exception) =>
        exception is ApiRequestException { Parameters.RetryAfter: { } seconds } ? TimeSpan.FromSeconds(seconds) : null;

    /// <summary>
    /// The error code to act on: Telegram's own, or the HTTP status of a 4xx answer that carried no Bot API body
    /// (a proxy's page); null when there was no answer at all or a server error without a Bot API body.
    /// </summary>
    public static int? ErrorCode(this RequestException exception) => exception switch
    {
        ApiRequestException api => api.ErrorCode,
        { HttpStatusCode: { } status } when (int)status is >= 400 and < 500 => (int)status,
        _ => null,
    };
}
