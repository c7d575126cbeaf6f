using System.Text.Json;
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
        string? learned = null;
        if (reference.NeedsConversation)
        {
            // A proactive message to someone the bot has no conversation id for: open the 1:1 chat first, and keep its
            // id (Microsoft: create it once, then store it), so later messages and updates go straight there.
            var created = await connector.CreateConversationAsync(reference.ServiceUrl, reference.BotId!, reference.UserId!, reference.TenantId, cancellationToken);
            if (created is not SendResult.Sent { PlatformMessageId.Length: > 0 } opened)
            {
                return created is SendResult.Sent ? new SendResult.Failed("Teams opened no conversation (no id in its answer).") : created;
            }
            reference = reference with { ConversationId = opened.PlatformMessageId };
            learned = JsonSerializer.Serialize(reference, ActivityJson.Options);
        }

        var activity = TeamsMapper.ToActivity(delivery.Message, reference);
        SendResult result;
        if (delivery.ReplacesPlatformMessageId is { Length: > 0 } replaced)
        {
            var updated = await connector.UpdateAsync(reference.ServiceUrl, reference.ConversationId, replaced, activity, cancellationToken);
            // An update answers with the same activity id (or none): the message keeps its id.
            result = updated is SendResult.Sent ? new SendResult.Sent(replaced) : updated;
        }
        else
        {
            result = await connector.SendAsync(reference.ServiceUrl, reference.ConversationId, activity, cancellationToken);
            if (result is SendResult.Sent { PlatformMessageId.Length: 0 })
            {
                result = new SendResult.Sent(delivery.OutboxId.ToString("N"));
            }
        }
        return result is SendResult.Sent sent && learned is not null ? sent with { ConversationReference = learned } : result;
    }

    public async Task TypingAsync(Conversation conversation, CancellationToken cancellationToken)
    {
        if (TeamsMapper.ReadReference(conversation.Reference) is { NeedsConversation: false } reference)
        {
            await connector.SendAsync(reference.ServiceUrl, reference.ConversationId,
                new Activity { Type = Activity.Types.Typing, Conversation = new ConversationAccount(reference.ConversationId) }, cancellationToken);
        }
    }

    /// <summary>Teams shows the final reply; the text in between is not streamed (typing is enough).</summary>
    public Task StreamTextAsync(Conversation conversation, string streamId, int sequence, string textSoFar, CancellationToken cancellationToken) =>
        Task.CompletedTask;
}
