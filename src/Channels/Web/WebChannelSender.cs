using System.Text.Json;
using Bot.Pipeline;
using Bot.Channels.BotFramework;
using Microsoft.Extensions.Options;

namespace Bot.Channels.Web;

/// <summary>
/// Delivers to the web chat by appending a bot activity to the Direct Line log. The append is keyed by the outbox
/// row, so a send retried after a crash never shows the reply twice. A reply is one activity, never split into parts
/// (its length is capped by <see cref="PipelineOptions.MaxReplyCharacters"/> before it gets here).
/// </summary>
public sealed class WebChannelSender(DirectLineStore store, IOptions<WebOptions> options, TimeProvider clock) : IChannelSender
{
    public string Channel => DirectLineStore.ChannelName;

    public async Task<SendResult> SendAsync(OutboundDelivery delivery, CancellationToken cancellationToken)
    {
        var activityId = delivery.OutboxId.ToString("N");
        var at = clock.GetUtcNow();
        if (delivery.ReplacesPlatformMessageId is { } replaced)
        {
            // Web Chat replaces an activity when another arrives with the same id; the original timestamp keeps its place.
            activityId = replaced;
            at = await store.TimestampOfAsync(delivery.ConversationAddress, replaced, cancellationToken) ?? at;
        }
        var activity = DirectLineMapper.ToActivity(delivery.Message, activityId, delivery.ConversationAddress, options.Value.BotName, at);
        var json = JsonSerializer.Serialize(activity, ActivityJson.Options);
        var id = await store.AppendForOutboxAsync(delivery.OutboxId, delivery.ConversationAddress, activityId, json, cancellationToken);
        return new SendResult.Sent(id);
    }
}
