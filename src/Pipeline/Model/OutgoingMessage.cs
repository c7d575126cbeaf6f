using System.Text.Json.Serialization;

namespace Bot.Pipeline.Model;

public enum OutgoingKind { Message, Update }

/// <summary>
/// One thing to send, channel-neutral. <see cref="Text"/> is Markdown; each channel renders it in its own dialect.
/// </summary>
public sealed record OutgoingMessage
{
    /// <summary>Also the outbox row's id: a later update names the message by it.</summary>
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public OutgoingKind Kind { get; init; } = OutgoingKind.Message;
    public string? Text { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<MessageButton>? Buttons { get; init; }
    /// <summary>For an update: the outbox id of the message to change (its platform message id is looked up at send time).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Guid? Replaces { get; init; }
    /// <summary>The platform thread to answer in (Slack thread_ts, Telegram topic), when the conversation has several.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ThreadKey { get; init; }
    /// <summary>When the reply was streamed live first: the stream it completes (channels replace the live text with it).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? StreamId { get; init; }
    /// <summary>The turn (inbox row) this answers; channels that link replies to the user's message use it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Guid? InReplyTo { get; init; }
    /// <summary>The platform id of the person's message this answers (<see cref="IncomingMessage.PlatformMessageId"/>), where the channel has one.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? InReplyToPlatformMessageId { get; init; }
    /// <summary>A card, rendered natively by each channel; <see cref="Text"/> is its Markdown fallback.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Card? Card { get; init; }
    /// <summary>The W3C traceparent of the turn that queued this, so its send continues that trace (<see cref="BotTelemetry"/>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TraceParent { get; init; }
}
