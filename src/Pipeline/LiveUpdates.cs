using Bot.Storage.Entities;
using Microsoft.Extensions.Logging;

namespace Bot.Pipeline;

/// <summary>
/// Ephemeral signals while a turn runs (typing, text as it streams). Not persisted and not retried: losing one
/// costs nothing, because the final reply always goes through the outbox.
/// </summary>
public interface ILiveUpdateSender
{
    string Channel { get; }

    Task TypingAsync(Conversation conversation, CancellationToken cancellationToken);

    /// <summary>The reply so far. <paramref name="sequence"/> starts at 1; <paramref name="streamId"/> names the reply.</summary>
    Task StreamTextAsync(Conversation conversation, string streamId, int sequence, string textSoFar, CancellationToken cancellationToken);
}

/// <summary>Routes live updates to the conversation's channel, when that channel has them; never throws.</summary>
public sealed partial class LiveUpdates(IEnumerable<ILiveUpdateSender> senders, ILogger<LiveUpdates> logger)
{
    private readonly Dictionary<string, ILiveUpdateSender> byChannel = senders.ToDictionary(s => s.Channel, StringComparer.Ordinal);

    public bool CanStream(Conversation conversation) => byChannel.ContainsKey(conversation.Channel);

    public Task TypingAsync(Conversation conversation, CancellationToken cancellationToken) =>
        SafelyAsync(conversation, s => s.TypingAsync(conversation, cancellationToken));

    public Task StreamTextAsync(Conversation conversation, string streamId, int sequence, string textSoFar, CancellationToken cancellationToken) =>
        SafelyAsync(conversation, s => s.StreamTextAsync(conversation, streamId, sequence, textSoFar, cancellationToken));

    private async Task SafelyAsync(Conversation conversation, Func<ILiveUpdateSender, Task> send)
    {
        if (!byChannel.TryGetValue(conversation.Channel, out var sender))
        {
            return;
        }
        try
        {
            await send(sender);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogFailed(logger, exception, conversation.Channel);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "A live update on {Channel} failed; the final reply is unaffected")]
    private static partial void LogFailed(ILogger logger, Exception exception, string channel);
}
