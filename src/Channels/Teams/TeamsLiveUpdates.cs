using System.Text;
using Bot.Pipeline;
using Bot.Channels.BotFramework;
using Bot.Storage.Entities;
using Microsoft.Extensions.Logging;

namespace Bot.Channels.Teams;

/// <summary>
/// Typing, and the reply's text as the model writes it, in Teams. Streaming is for personal chats only (Teams
/// refuses it elsewhere), at most one request every <see cref="TeamsStreams.MinInterval"/>, each with the whole text
/// so far; the final reply, sent by the outbox, ends the stream. Nothing here is retried: once Teams refuses an update
/// the stream stops, and the final reply still arrives.
/// </summary>
public sealed class TeamsLiveUpdates(TeamsConnectorClient connector, TeamsStreams streams, TimeProvider clock, ILogger<TeamsLiveUpdates> logger) : ILiveUpdateSender
{
    public string Channel => TeamsMapper.ChannelName;

    public async Task TypingAsync(Conversation conversation, CancellationToken cancellationToken)
    {
        if (TeamsMapper.ReadReference(conversation.Reference) is { NeedsConversation: false } reference)
        {
            await connector.SendAsync(reference.ServiceUrl, reference.ConversationId,
                new Activity { Type = Activity.Types.Typing, Conversation = new ConversationAccount(reference.ConversationId) }, cancellationToken);
        }
    }

    public async Task StreamTextAsync(Conversation conversation, string streamId, int sequence, string textSoFar, CancellationToken cancellationToken)
    {
        if (conversation.IsGroup || TeamsMapper.ReadReference(conversation.Reference) is not { NeedsConversation: false } reference
            || reference.ConversationId.Contains(";messageid=", StringComparison.Ordinal) || textSoFar.Length == 0)
        {
            return;
        }
        var progress = streams.Track(streamId);
        var now = clock.GetUtcNow();
        if (progress.Stopped || (progress.Sent > 0 && now - progress.LastSent < TeamsStreams.MinInterval))
        {
            return;
        }
        if (now - progress.StartedAt > TeamsStreams.MaxDuration || Encoding.UTF8.GetByteCount(textSoFar) > TeamsMapper.MaxTextBytes)
        {
            progress.Stopped = true;
            return;
        }

        var activity = TeamsMapper.StreamUpdate(reference, textSoFar, progress.Sent + 1, progress.ActivityId);
        var result = await connector.SendAsync(reference.ServiceUrl, reference.ConversationId, activity, cancellationToken);
        if (result is not SendResult.Sent sent || (progress.ActivityId is null && sent.PlatformMessageId.Length == 0))
        {
            progress.Stopped = true;
            TeamsLog.StreamStopped(logger, progress.Sent + 1, result.ToString());
            return;
        }
        progress.Sent++;
        progress.LastSent = now;
        if (progress.ActivityId is null)
        {
            progress.ActivityId = sent.PlatformMessageId;
            await streams.RememberAsync(streamId, sent.PlatformMessageId, cancellationToken);
        }
    }
}
