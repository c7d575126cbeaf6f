using System.Text.Json.Serialization;

namespace Bot.Pipeline.Model;

/// <summary>One inbound platform event in neutral form. <see cref="EventId"/> is the platform's id, used to drop duplicates.</summary>
public sealed record IncomingMessage
{
    public required ConversationAddress Address { get; init; }
    public required string EventId { get; init; }
    public required Sender From { get; init; }
    public string? Text { get; init; }
    /// <summary>Set when the message is a voice note: the reference to its audio; it is transcribed in the turn.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public VoiceNote? Voice { get; init; }
    public ActionInvoke? Action { get; init; }
    public ThreadMode ThreadMode { get; init; } = ThreadMode.CurrentThreadPointer;
    public bool IsGroup { get; init; }
    public DateTimeOffset Timestamp { get; init; }
    /// <summary>
    /// The platform id of the bot's message this one answers (a reply, or a button on it). In a conversation with a
    /// current thread, that message's thread is resumed.
    /// </summary>
    public string? ReplyToPlatformMessageId { get; init; }
    /// <summary>
    /// The platform's id of this message itself, where the bot's answer can name what it answers (a Teams message
    /// activity's id becomes the reply's <c>replyToId</c>). Null for events that are not a person's message.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PlatformMessageId { get; init; }
    /// <summary>What the channel needs to send to this conversation later, as JSON (service URL, etc.).</summary>
    public string? ConversationReference { get; init; }
    /// <summary>The sender's IANA time zone, when the channel says (Web Chat's <c>localTimezone</c>).</summary>
    public string? TimeZone { get; init; }
    /// <summary>Set when a schedule fired this message rather than a person writing it.</summary>
    public Guid? ScheduleId { get; init; }
    /// <summary>
    /// Set when the channel already acted on this event before recording it (a Teams <c>Action.Execute</c> decides in
    /// the request): the text of the outcome. It is recorded as the bot's answer, the inbox row as done, and no turn runs.
    /// </summary>
    public string? HandledOutcome { get; init; }
    /// <summary>
    /// Set when the person's text was over <c>Pipeline:MaxInboundCharacters</c>: its length. <see cref="Text"/> then holds
    /// only a note, and the turn tells the person the limit instead of running the agent.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? OmittedTextLength { get; init; }
    /// <summary>The W3C traceparent of the request that recorded this message, so its turn continues that trace (<see cref="BotTelemetry"/>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TraceParent { get; init; }
}
