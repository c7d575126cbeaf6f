using System.Text.Json;
using Bot.Pipeline.Model;
using Bot.Channels.BotFramework;

namespace Bot.Channels.Web;

/// <summary>Pure mapping between Direct Line activities and the neutral model.</summary>
public static class DirectLineMapper
{
    public const string ChannelId = "directline";
    public const string OwnerId = "owner";
    public const string BotId = "bot";

    /// <summary>The id Web Chat puts in <c>channelData.clientActivityID</c> to recognise the echo of what it sent.</summary>
    public static string? ClientActivityId(Activity activity) =>
        activity.ChannelData is { ValueKind: JsonValueKind.Object } data
        && data.TryGetProperty("clientActivityID", out var id) && id.ValueKind == JsonValueKind.String
            ? id.GetString()
            : null;

    /// <summary>The action a card or suggested-action button sent as the activity's <c>value</c>: <c>{"action": "...", ...}</c>.</summary>
    public static ActionInvoke? ActionFrom(Activity activity)
    {
        if (activity.Value is not { ValueKind: JsonValueKind.Object } value
            || !value.TryGetProperty("action", out var name) || name.ValueKind != JsonValueKind.String)
        {
            return null;
        }
        var data = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            if (property.Name != "action" && property.Value.ValueKind is JsonValueKind.String or JsonValueKind.Number)
            {
                data[property.Name] = property.Value.ToString();
            }
        }
        return new ActionInvoke(name.GetString()!, data);
    }

    /// <summary>
    /// <paramref name="senderId"/> is who the token was minted for (<see cref="DirectLineGrant.SenderId"/>): a signed-in
    /// person or the owner. Whatever id the client claims in <c>from</c> is ignored.
    /// </summary>
    public static IncomingMessage ToIncoming(Activity activity, string conversationAddress, string eventId, DateTimeOffset receivedAt, string senderId) => new()
    {
        Address = new ConversationAddress(DirectLineStore.ChannelName, conversationAddress),
        EventId = eventId,
        From = new Sender(senderId, activity.From?.Name),
        Text = activity.Text,
        Action = ActionFrom(activity),
        ThreadMode = ThreadMode.ConversationIsThread,
        IsGroup = false,
        Timestamp = receivedAt,
        TimeZone = activity.LocalTimezone,
    };

    /// <summary>The echo of the user's own activity, as Web Chat expects to receive it back on the stream.</summary>
    public static Activity Echo(Activity posted, string activityId, string conversationAddress, DateTimeOffset at) => posted with
    {
        Id = activityId,
        Timestamp = at,
        ChannelId = ChannelId,
        ServiceUrl = null,
        From = new ChannelAccount(posted.From?.Id ?? OwnerId, posted.From?.Name, "user"),
        Conversation = new ConversationAccount(conversationAddress),
        Recipient = new ChannelAccount(BotId, null, "bot"),
    };

    public static Activity ToActivity(OutgoingMessage message, string activityId, string conversationAddress, string botName, DateTimeOffset at) =>
        FromBot(Activity.Types.Message, activityId, conversationAddress, botName, at) with
        {
            // The echo of the user's message has the inbox row's id: a reply names it.
            ReplyToId = message.InReplyTo?.ToString("N"),
            Text = message.Card is null ? message.Text : null,
            TextFormat = "markdown",
            Attachments = message.Card is { } card ? [AdaptiveCardRenderer.ToAttachment(card, universalActions: false)] : null,
            SuggestedActions = message.Buttons is { Count: > 0 } buttons
                ? new SuggestedActions(buttons.Select(ToCardAction).ToList())
                : null,
            // Completes a reply that was streamed live: Web Chat replaces the streamed text with this message.
            ChannelData = message.StreamId is { } streamId
                ? JsonSerializer.SerializeToElement(new { streamType = "final", streamId })
                : null,
        };

    /// <summary>A typing activity: the indicator, or (with text) the reply so far in Web Chat's livestreaming form.</summary>
    public static Activity Typing(string activityId, string conversationAddress, string botName, DateTimeOffset at, string? streamId = null, int sequence = 0, string? text = null) =>
        FromBot(Activity.Types.Typing, activityId, conversationAddress, botName, at) with
        {
            Text = text,
            // The first chunk's id is the stream's id, and every chunk names it, the first included. Web Chat (4.18) places
            // a chunk after the earlier chunks of the typing activities whose streamId equals the chunk's: a first chunk
            // without one matched the plain typing indicators (none has a streamId either), and was placed after the
            // message before the oldest indicator in the transcript, so from the second turn on each streamed answer
            // rendered above its question.
            ChannelData = text is null ? null
                : JsonSerializer.SerializeToElement(new { streamType = "streaming", streamSequence = sequence, streamId }),
        };

    private static Activity FromBot(string type, string activityId, string conversationAddress, string botName, DateTimeOffset at) => new()
    {
        Type = type,
        Id = activityId,
        Timestamp = at,
        ChannelId = ChannelId,
        From = new ChannelAccount(BotId, botName, "bot"),
        Conversation = new ConversationAccount(conversationAddress),
        Recipient = new ChannelAccount(OwnerId, null, "user"),
    };

    private static CardAction ToCardAction(MessageButton button)
    {
        var value = new Dictionary<string, string>(button.Data ?? new Dictionary<string, string>(), StringComparer.Ordinal) { ["action"] = button.Action };
        return new CardAction("messageBack", button.Label, JsonSerializer.SerializeToElement(value), DisplayText: button.Label);
    }
}
