using System.Text.Json;
using Bot.Pipeline;
using Bot.Channels.BotFramework;
using Microsoft.Extensions.Logging;

namespace Bot.Channels.Teams;

/// <summary>
/// Sends outbox messages to Teams through the Bot Connector; the returned activity id is the platform message id. A
/// reply that was streamed live ends its stream (<see cref="TeamsStreams"/>), and keeps the streamed message's id. A
/// reply is one activity (text over Teams' size limit is cut by <see cref="TeamsMapper.ToTeamsMarkdown"/>), so it has no
/// parts to record: a retry after a lost answer can repeat that one activity, as the connector takes no idempotency key.
/// </summary>
public sealed class TeamsChannelSender(TeamsConnectorClient connector, TeamsStreams streams, ILogger<TeamsChannelSender> logger) : IChannelSender
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
        else if (delivery.Message.StreamId is { } streamId && await streams.TakeAsync(streamId, cancellationToken) is { } streamed)
        {
            result = await connector.SendAsync(reference.ServiceUrl, reference.ConversationId, TeamsMapper.EndingStream(activity, streamed), cancellationToken);
            if (result is SendResult.Sent)
            {
                // The streamed message became the reply: it is the one to name (and to update) from now on.
                result = new SendResult.Sent(streamed);
            }
            else
            {
                // Teams would not end the stream (too late, too large, refused): the reply goes as a message of its own.
                TeamsLog.StreamNotEnded(logger, result.ToString());
                result = await SendNewAsync(reference, activity, delivery.OutboxId, cancellationToken);
            }
        }
        else
        {
            result = await SendNewAsync(reference, activity, delivery.OutboxId, cancellationToken);
        }
        return result is SendResult.Sent sent && learned is not null ? sent with { ConversationReference = learned } : result;
    }

    private async Task<SendResult> SendNewAsync(TeamsConversationReference reference, Activity activity, Guid outboxId, CancellationToken cancellationToken)
    {
        var result = await connector.SendAsync(reference.ServiceUrl, reference.ConversationId, activity, cancellationToken);
        // Without an id in the answer, the outbox row's own id names the message.
        return result is SendResult.Sent { PlatformMessageId.Length: 0 } ? new SendResult.Sent(outboxId.ToString("N")) : result;
    }
}
