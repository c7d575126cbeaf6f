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
}
