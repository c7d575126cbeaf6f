using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bot.Pipeline.Model;
using Bot.Channels.BotFramework;
using Bot.Channels.Web;

namespace Bot.Channels.Teams;

/// <summary>
/// What the sender needs to reach a Teams conversation later; stored as the conversation's reference JSON. A personal
/// chat's reference also names the user (their Teams account id), so a reference without a conversation id can still
/// open the 1:1 chat (<c>POST /v3/conversations</c>).
/// </summary>
public sealed record TeamsConversationReference(string ServiceUrl, string ConversationId, string? TenantId, string? BotId, string? BotName, string? UserId = null)
{
    /// <summary>No conversation to send to yet, but enough to open the 1:1 chat with the user.</summary>
    public bool NeedsConversation => ConversationId.Length == 0;
}

/// <summary>A card's <c>Action.Execute</c>: the verb and the data the button carried.</summary>
public sealed record TeamsCardAction(string Verb, ActionInvoke Action);

/// <summary>Pure mapping between Teams activities and the neutral model.</summary>
public static partial class TeamsMapper
{
    public const string ChannelName = "teams";
    public const string InvokeCardAction = "adaptiveCard/action";
    public const int MaxTextBytes = 28 * 1024;

    /// <summary>The sender's stable id: the AAD object id when Teams gives one, else the channel account id.</summary>
    public static string? UserId(Activity activity) =>
        activity.From?.AadObjectId ?? activity.From?.Id;

    public static bool IsChannelPost(Activity activity) =>
        string.Equals(activity.Conversation?.ConversationType, "channel", StringComparison.OrdinalIgnoreCase);

    public static bool MentionsBot(Activity activity)
    {
        if (activity.Extra?.TryGetValue("entities", out var entities) != true || entities.ValueKind != JsonValueKind.Array)
        {
            return false;
        }
        var botId = activity.Recipient?.Id;
        // Read defensively: entities are the sender's JSON, and any element may be of any type.
        return entities.EnumerateArray().Any(e =>
            JsonMembers.Text(e, "type") == "mention"
            && e.TryGetProperty("mentioned", out var mentioned) && JsonMembers.Text(mentioned, "id") is { } id && id == botId);
    }

    /// <summary>The thread's conversation: a channel post's reply chain (<c>;messageid=</c> of its root), else the chat.</summary>
    public static string ConversationAddress(Activity activity)
    {
        var id = activity.Conversation?.Id ?? string.Empty;
        if (IsChannelPost(activity) && !id.Contains(";messageid=", StringComparison.Ordinal) && activity.Id is { } root)
        {
            return id + ";messageid=" + root;
        }
        return id;
    }

    public static IncomingMessage? ToIncoming(Activity activity, DateTimeOffset receivedAt)
    {
        if (activity.Conversation?.Id is null || UserId(activity) is not { } userId || activity.ServiceUrl is null)
        {
            return null;
        }
        var channelPost = IsChannelPost(activity);
        var action = DirectLineMapper.ActionFrom(activity);
        var text = StripMentions(activity.Text);
        if (action is null && string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        if (channelPost && action is null && !MentionsBot(activity))
        {
            return null;
        }
        var address = ConversationAddress(activity);
        return new IncomingMessage
        {
            Address = new ConversationAddress(ChannelName, address),
            EventId = activity.Id ?? Guid.CreateVersion7(receivedAt).ToString("N"),
            From = new Sender(userId, activity.From?.Name),
            Text = action is null ? text : null,
            Action = action,
            ThreadMode = channelPost ? ThreadMode.ConversationIsThread : ThreadMode.CurrentThreadPointer,
            IsGroup = channelPost || activity.Conversation.IsGroup == true || activity.Conversation.ConversationType == "groupChat",
            Timestamp = activity.Timestamp ?? receivedAt,
            ConversationReference = Reference(activity, address),
            TimeZone = activity.LocalTimezone,
            PlatformMessageId = action is null ? activity.Id : null,
        };
    }

    public static string Reference(Activity activity, string address) =>
        JsonSerializer.Serialize(new TeamsConversationReference(activity.ServiceUrl!, address, activity.Conversation?.TenantId,
            activity.Recipient?.Id, activity.Recipient?.Name, IsPersonal(activity) ? activity.From?.Id : null), ActivityJson.Options);

    /// <summary>A 1:1 chat between the bot and one person (not a group chat, not a channel).</summary>
    public static bool IsPersonal(Activity activity) =>
        !IsChannelPost(activity) && activity.Conversation?.IsGroup != true
        && !string.Equals(activity.Conversation?.ConversationType, "groupChat", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The stored reference, when it can reach someone: a conversation id, or (for a personal chat that has none) the
    /// user and bot ids to open one with.
    /// </summary>
    public static TeamsConversationReference? ReadReference(string json)
    {
        try
        {
            var reference = JsonSerializer.Deserialize<TeamsConversationReference>(json, ActivityJson.Options);
            return reference switch
            {
                { ServiceUrl.Length: > 0, ConversationId.Length: > 0 } => reference,
                { ServiceUrl.Length: > 0, UserId.Length: > 0, BotId.Length: > 0 } => reference with { ConversationId = string.Empty },
                _ => null,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A welcome is due when the bot itself is among the members added.</summary>
    public static bool BotWasAdded(Activity activity) =>
        activity.Extra?.TryGetValue("membersAdded", out var added) == true && added.ValueKind == JsonValueKind.Array
        && added.EnumerateArray().Any(m => JsonMembers.Text(m, "id") is { } id && id == activity.Recipient?.Id);

    /// <summary>The bot was added to a chat or team: the welcome runs as <c>/start</c> from whoever added it.</summary>
    public static IncomingMessage? Welcome(Activity activity, DateTimeOffset receivedAt) =>
        ToIncoming(activity with { Type = Activity.Types.Message, Text = "/start", Value = null, Extra = MentionOfRecipient(activity) }, receivedAt) is { } welcome
            ? welcome with { EventId = "welcome:" + (activity.Id ?? activity.Conversation?.Id), PlatformMessageId = null }
            : null;

    private static Dictionary<string, JsonElement> MentionOfRecipient(Activity activity) => new()
    {
        ["entities"] = JsonSerializer.SerializeToElement(new[] { new { type = "mention", mentioned = new { id = activity.Recipient?.Id } } }),
    };

    /// <summary>The <c>Action.Execute</c> of an <c>adaptiveCard/action</c> invoke.</summary>
    public static TeamsCardAction? CardAction(Activity activity)
    {
        if (activity.Name != InvokeCardAction || activity.Value is not { ValueKind: JsonValueKind.Object } value
            || !value.TryGetProperty("action", out var action) || action.ValueKind != JsonValueKind.Object
            || !action.TryGetProperty("data", out var data))
        {
            return null;
        }
        var verb = action.TryGetProperty("verb", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : string.Empty;
        var invoke = DirectLineMapper.ActionFrom(activity with { Value = data });
        return invoke is null ? null : new TeamsCardAction(verb, invoke);
    }

    /// <summary>
    /// A card's <c>Action.Execute</c> as the inbound event the thread keeps: the button's action, sent by the clicker in
    /// the card's conversation, answering the card's message (<c>replyToId</c>, so it lands in the card's thread). Its
    /// event id is the invoke's id, so a retried invoke is a duplicate.
    /// </summary>
    public static IncomingMessage? CardActionIncoming(Activity activity, TeamsCardAction cardAction, DateTimeOffset receivedAt)
    {
        var data = new Dictionary<string, string>(cardAction.Action.Data, StringComparer.Ordinal) { ["action"] = cardAction.Action.Name };
        var asMessage = activity with { Type = Activity.Types.Message, Text = null, Value = JsonSerializer.SerializeToElement(data) };
        return ToIncoming(asMessage, receivedAt) is { } incoming
            ? incoming with { ReplyToPlatformMessageId = activity.ReplyToId }
            : null;
    }

    /// <summary>The invoke response that replaces the card in place.</summary>
    public static object CardResponse(JsonObject card) =>
        new { statusCode = 200, type = AdaptiveCardRenderer.ContentType, value = card };

    public static object MessageResponse(string message) =>
        new { statusCode = 200, type = "application/vnd.microsoft.activity.message", value = message };

    public static Activity ToActivity(OutgoingMessage message, TeamsConversationReference reference)
    {
        var attachments = new List<Attachment>();
        if (message.Card is { } card)
        {
            attachments.Add(AdaptiveCardRenderer.ToAttachment(card, universalActions: true));
        }
        else if (message.Buttons is { Count: > 0 } buttons)
        {
            attachments.Add(ButtonsCard(message.Text, buttons));
        }
        return new Activity
        {
            Type = Activity.Types.Message,
            From = reference.BotId is null ? null : new ChannelAccount(reference.BotId, reference.BotName),
            Conversation = new ConversationAccount(reference.ConversationId),
            Text = attachments.Count > 0 && message.Card is not null ? null : message.Buttons is { Count: > 0 } ? null : ToTeamsMarkdown(message.Text),
            TextFormat = "markdown",
            Attachments = attachments.Count > 0 ? attachments : null,
            // Names the person's message this answers, as Bot Framework replies do (the activity lands in the conversation either way).
            ReplyToId = message.InReplyToPlatformMessageId,
        };
    }

    /// <summary>
    /// A streaming update in a personal chat: a <c>typing</c> activity with the whole reply so far and a
    /// <c>streaminfo</c> entity (sequence from 1; no stream id on the first, whose activity id becomes the stream's id).
    /// </summary>
    public static Activity StreamUpdate(TeamsConversationReference reference, string textSoFar, int streamSequence, string? streamId) => new()
    {
        Type = Activity.Types.Typing,
        From = reference.BotId is null ? null : new ChannelAccount(reference.BotId, reference.BotName),
        Conversation = new ConversationAccount(reference.ConversationId, ConversationType: "personal"),
        Text = ToTeamsMarkdown(textSoFar),
        TextFormat = "markdown",
        Extra = StreamInfo(new StreamInfoEntity("streaminfo", streamId, "streaming", streamSequence)),
    };

    /// <summary>The final reply of a stream: the message itself, naming the stream it ends (no sequence: Teams refuses one).</summary>
    public static Activity EndingStream(Activity message, string streamId) => message with
    {
        Conversation = (message.Conversation ?? new ConversationAccount(null)) with { ConversationType = "personal" },
        Extra = StreamInfo(new StreamInfoEntity("streaminfo", streamId, "final", null)),
    };

    private sealed record StreamInfoEntity(string Type, string? StreamId, string StreamType, int? StreamSequence);

    private static Dictionary<string, JsonElement> StreamInfo(StreamInfoEntity entity) => new()
    {
        ["entities"] = JsonSerializer.SerializeToElement(new[] { entity }, ActivityJson.Options),
    };

    /// <summary>Teams renders most Markdown as is; long text is cut to its message size limit with a note.</summary>
    public static string? ToTeamsMarkdown(string? markdown)
    {
        if (markdown is null || System.Text.Encoding.UTF8.GetByteCount(markdown) <= MaxTextBytes)
        {
            return markdown;
        }
        const string note = "\n\n… (cut: the message was too long for Teams)";
        var budget = MaxTextBytes - System.Text.Encoding.UTF8.GetByteCount(note);
        var length = Math.Min(markdown.Length, budget);
        while (length > 0 && System.Text.Encoding.UTF8.GetByteCount(markdown.AsSpan(0, length)) > budget)
        {
            length -= Math.Max(1, length / 50);
        }
        if (length > 0 && char.IsHighSurrogate(markdown[length - 1]))
        {
            length--;
        }
        return markdown[..length] + note;
    }

    public static string? StripMentions(string? text) =>
        text is null ? null : MentionTag().Replace(text, string.Empty).Trim();

    private static Attachment ButtonsCard(string? text, IReadOnlyList<MessageButton> buttons)
    {
        var card = new JsonObject
        {
            ["type"] = "AdaptiveCard",
            ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
            ["version"] = "1.5",
            ["body"] = new JsonArray(new JsonObject { ["type"] = "TextBlock", ["text"] = ToTeamsMarkdown(text) ?? string.Empty, ["wrap"] = true }),
            ["actions"] = new JsonArray(buttons.Select(b =>
            {
                var data = new JsonObject { ["action"] = b.Action };
                foreach (var (key, value) in b.Data ?? new Dictionary<string, string>())
                {
                    data[key] = value;
                }
                return (JsonNode)new JsonObject { ["type"] = "Action.Submit", ["title"] = b.Label, ["data"] = data };
            }).ToArray()),
        };
        return new Attachment(AdaptiveCardRenderer.ContentType, JsonSerializer.SerializeToElement(card));
    }

    [GeneratedRegex("<at[^>]*>.*?</at>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex MentionTag();
}
