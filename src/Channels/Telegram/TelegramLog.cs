using Microsoft.Extensions.Logging;

namespace Bot.Channels.Telegram;

/// <summary>Telegram channel logs. Never the token, nor a URL (it contains the token); message text never.</summary>
internal static partial class TelegramLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Telegram channel started as @{Username} in {Mode} mode")]
    public static partial void Started(ILogger logger, string username, string mode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram {Method} failed; retrying in {Delay}")]
    public static partial void CallFailed(ILogger logger, Exception exception, string method, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram setMyCommands failed; the command menu is not updated")]
    public static partial void CommandsFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram setChatMenuButton failed; the menu button does not open the web app")]
    public static partial void MenuButtonFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram update {UpdateId} refused: {Reason}")]
    public static partial void UpdateRefused(ILogger logger, long updateId, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Telegram update {UpdateId} is not for the bot")]
    public static partial void Ignored(ILogger logger, long updateId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Telegram update {UpdateId} recorded (duplicate: {Duplicate})")]
    public static partial void Recorded(ILogger logger, long updateId, bool duplicate);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram answerCallbackQuery failed")]
    public static partial void AnswerFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram webhook call refused: wrong or missing secret header")]
    public static partial void WebhookRefused(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Telegram streaming stopped at piece {Sequence}: {Result}; the final reply still goes out")]
    public static partial void StreamStopped(ILogger logger, int sequence, string result);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram would not edit the streamed message into the final reply ({Reason}); sending the reply as a message of its own")]
    public static partial void StreamNotEnded(ILogger logger, string reason);
}
