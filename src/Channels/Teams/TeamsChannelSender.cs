using Bot.Agent.Pipeline;
using Bot.Channels.BotFramework;
using Bot.Storage.Entities;

namespace Bot.Channels.Teams;

/// <summary>Sends outbox messages to Teams through the Bot Connector; the returned activity id is the platform message id.</summary>
public sealed class TeamsChannelSender(TeamsConnectorClient connector) : IChannelSender, ILiveUpdateSender
{
    public string Channel => TeamsMapper.ChannelName;

    public async Task<SendResult> SendAsync(OutboundDelivery delivery, CancellationToken cancellationToken)
    {
        if (TeamsMapper.ReadReference(delivery.ConversationReference) is not { } reference)
        {
            return new SendResult.Failed("The conversation has no Teams service URL to send to.");
        }
        var activity = TeamsMapper.ToActivity(delivery.Message, reference);
        if (delivery.ReplacesPlatformMessageId is { Length: > 0 } replaced)
        {
            var updated = await connector.UpdateAsync(reference.ServiceUrl, reference.ConversationId, replaced, activity, cancellationToken);
            // An update answers with the same activity id (or none): the message keeps its id.
            return updated is SendResult.Sent ? new SendResult.Sent(replaced) : updated;
        }
        var result = await connector.SendAsync(reference.ServiceUrl, reference.ConversationId, activity, cancellationToken);
        return result is SendResult.Sent { PlatformMessageId.Length: 0 }
            ? new SendResult.Sent(delivery.OutboxId.ToString("N"))
            : result;
    }

    public async Task TypingAsync(Conversation conversation, CancellationToken cancellationToken)
    {
        if (TeamsMapper.ReadReference(conversation.Reference) is { } reference)
        {
            await connector.SendAsync(reference.ServiceUrl, reference.ConversationId,
                new Activity { Type = Activity.Types.Typing, Conversation = new ConversationAccount(reference.ConversationId) }, cancellationToken);
        }
    }

    /// <summary>Teams shows the final reply; the text in between is not streamed (typing is enough).</summary>
    public Task StreamTextAsync(Conversation conversation, string streamId, int sequence, string textSoFar, CancellationToken cancellationToken) =>
        Task.CompletedTask;
}
