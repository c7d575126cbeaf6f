using Microsoft.Extensions.Logging;

namespace Bot.Channels.Teams;

internal static partial class TeamsLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Teams request refused: {Reason}")]
    public static partial void Refused(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Teams activity {Type} ignored")]
    public static partial void Ignored(ILogger logger, string type);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Teams streaming stopped at request {Sequence}: {Result}; the final reply still goes out")]
    public static partial void StreamStopped(ILogger logger, int sequence, string result);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Teams did not accept the final message of a stream ({Result}); sending the reply as a message of its own")]
    public static partial void StreamNotEnded(ILogger logger, string result);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Teams connector answered {Status} to {Operation}")]
    public static partial void ConnectorError(ILogger logger, int status, string operation);
}
