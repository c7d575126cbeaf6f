using Microsoft.Extensions.Logging;

namespace Bot.Channels.Slack;

/// <summary>The Slack channel's log lines. Tokens and the signing secret are never logged; message text only at Trace.</summary>
internal static partial class SlackLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Slack refused a request at {Path}: {Reason}")]
    public static partial void Refused(ILogger logger, string path, SlackVerification reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slack send of outbox {OutboxId} failed: {Error} (attempt {Attempt})")]
    public static partial void SendFailed(ILogger logger, Guid outboxId, string error, int attempt);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Slack event {EventId} was a duplicate (retry {RetryNum})")]
    public static partial void Duplicate(ILogger logger, string eventId, string? retryNum);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Slack event ignored: {EventType}")]
    public static partial void Ignored(ILogger logger, string? eventType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slack {What} refused: {Reason}")]
    public static partial void Malformed(ILogger logger, string what, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Slack Socket Mode connected")]
    public static partial void SocketConnected(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Slack Socket Mode asked to reconnect: {Reason}")]
    public static partial void SocketDisconnectRequested(ILogger logger, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slack Socket Mode could not open a connection: {Error}")]
    public static partial void SocketOpenFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slack Socket Mode connection failed: {Kind}: {Error}")]
    public static partial void SocketError(ILogger logger, string kind, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Slack Socket Mode reconnecting in {Delay}")]
    public static partial void SocketReconnecting(ILogger logger, TimeSpan delay);
}
