using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Channels.BotFramework;

/// <summary>
/// The Bot Framework Activity (the <c>Activity</c> definition of the Connector API), shared by Direct Line and Teams.
/// Only the fields the service reads or writes are typed; anything else round-trips through <see cref="Extra"/>.
/// </summary>
public sealed record Activity
{
    public string? Type { get; init; }
    public string? Id { get; init; }
    public DateTimeOffset? Timestamp { get; init; }
    public string? ChannelId { get; init; }
    public string? ServiceUrl { get; init; }
    public ChannelAccount? From { get; init; }
    public ConversationAccount? Conversation { get; init; }
    public ChannelAccount? Recipient { get; init; }
    public string? Text { get; init; }
    public string? TextFormat { get; init; }
    public string? Locale { get; init; }
    /// <summary>The sender's IANA time zone (Web Chat sets it from the browser).</summary>
    public string? LocalTimezone { get; init; }
    public string? ReplyToId { get; init; }
    public string? Name { get; init; }
    public JsonElement? Value { get; init; }
    public IReadOnlyList<Attachment>? Attachments { get; init; }
    public SuggestedActions? SuggestedActions { get; init; }
    public JsonElement? ChannelData { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }

    public static class Types
    {
        public const string Message = "message";
        public const string Typing = "typing";
        public const string Event = "event";
        public const string ConversationUpdate = "conversationUpdate";
        public const string Invoke = "invoke";
    }
}

public sealed record ChannelAccount(string? Id, string? Name = null, string? Role = null, string? AadObjectId = null);

public sealed record ConversationAccount(string? Id, bool? IsGroup = null, string? ConversationType = null, string? TenantId = null);

public sealed record Attachment(string ContentType, JsonElement? Content = null, string? ContentUrl = null, string? Name = null);

public sealed record SuggestedActions(IReadOnlyList<CardAction> Actions, IReadOnlyList<string>? To = null);

public sealed record CardAction(string Type, string Title, JsonElement? Value = null, string? Text = null, string? DisplayText = null);

/// <summary>JSON settings for Bot Framework payloads: camelCase, nulls left out.</summary>
public static class ActivityJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
