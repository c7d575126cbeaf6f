using System.Text.Json.Serialization;

namespace Bot.Pipeline.Model;

/// <summary>Where a message lives: the channel, the platform's conversation id, and (where the platform has one) its thread key.</summary>
public sealed record ConversationAddress(string Channel, string ConversationId, string? ThreadKey = null);

/// <summary>Who sent a message, as the platform names them.</summary>
public sealed record Sender(string PlatformUserId, string? DisplayName = null);

/// <summary>How a conversation maps to threads on its channel.</summary>
public enum ThreadMode
{
    /// <summary>The platform conversation is the thread (a Direct Line conversation). New threads come from the client.</summary>
    ConversationIsThread,
    /// <summary>The conversation has a current thread that <c>/new</c> replaces (a Telegram or Teams private chat).</summary>
    CurrentThreadPointer,
    /// <summary>The platform has threads of its own, named by <see cref="ConversationAddress.ThreadKey"/> (Slack, forum topics).</summary>
    PlatformThreads,
}

/// <summary>
/// A button press or card action, already verified by the channel: the action's name (<c>/plan</c>) and its data, whose
/// <see cref="ArgumentsKey"/> entry is the argument string, as the typed command would carry it.
/// </summary>
public sealed record ActionInvoke(string Name, IReadOnlyDictionary<string, string> Data)
{
    public const string ArgumentsKey = "args";

    public string Arguments => Data.TryGetValue(ArgumentsKey, out var arguments) ? arguments : string.Empty;
}

/// <summary>One inbound platform event in neutral form. <see cref="EventId"/> is the platform's id, used to drop duplicates.</summary>
public sealed record IncomingMessage
{
    public required ConversationAddress Address { get; init; }
    public required string EventId { get; init; }
    public required Sender From { get; init; }
    public string? Text { get; init; }
    public ActionInvoke? Action { get; init; }
    public ThreadMode ThreadMode { get; init; } = ThreadMode.CurrentThreadPointer;
    public bool IsGroup { get; init; }
    public DateTimeOffset Timestamp { get; init; }
    /// <summary>
    /// The platform id of the bot's message this one answers (a reply, or a button on it). In a conversation with a
    /// current thread, that message's thread is resumed.
    /// </summary>
    public string? ReplyToPlatformMessageId { get; init; }
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
}

/// <summary>A button on an outgoing message: a label and the action it invokes.</summary>
public sealed record MessageButton(string Label, string Action, IReadOnlyDictionary<string, string>? Data = null);

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
    /// <summary>A card, rendered natively by each channel; <see cref="Text"/> is its Markdown fallback.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Card? Card { get; init; }
}
