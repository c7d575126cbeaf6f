using System.Globalization;
using Bot.Pipeline.Model;

namespace Bot.Pipeline;

/// <summary>
/// Inbound input the bot will not take: a field the platform could not have sent (an id of 10,000 characters, a number
/// out of range, a value of the wrong JSON type). <see cref="Reason"/> names the field and the rule, never the value, so
/// it is safe to log and to answer with. Nothing is recorded for a refused message.
/// </summary>
public sealed class InboundRefusedException(string reason) : Exception(reason)
{
    public string Reason { get; } = reason;
}

/// <summary>
/// The bounds every inbound message is held to before it reaches the database, whatever channel it came from
/// (<see cref="InboxRecorder"/> applies them; channels call the same helpers while mapping so they can refuse early).
/// Ids are bounded in length and characters, so a unique index never sees a key it cannot hold; display names are cut;
/// text over <see cref="PipelineOptions.MaxInboundCharacters"/> is not kept, and the turn tells the person the limit.
/// </summary>
public static class InboundChecks
{
    /// <summary>Longest platform id accepted (conversation, user, event, thread, message ids), in characters.</summary>
    public const int MaxIdLength = 512;

    /// <summary>Display names beyond this are cut, not refused: a name is shown, never looked up.</summary>
    public const int MaxDisplayNameLength = 200;

    /// <summary>Largest conversation reference (the channel's JSON for sending later) accepted, in characters.</summary>
    public const int MaxReferenceLength = 8 * 1024;

    /// <summary>Longest button or card action name, and the most its data may hold in total.</summary>
    public const int MaxActionNameLength = 64;
    public const int MaxActionDataLength = 4 * 1024;

    public const int MaxTimeZoneLength = 64;

    /// <summary>Throws <see cref="InboundRefusedException"/> unless <paramref name="value"/> is a well-formed id.</summary>
    public static string Id(string? value, string field) =>
        IsId(value) ? value! : throw new InboundRefusedException(DescribeBadId(value, field));

    /// <summary>An optional id: null stays null; anything else must be well-formed.</summary>
    public static string? OptionalId(string? value, string field) => value is null ? null : Id(value, field);

    /// <summary>1 to <see cref="MaxIdLength"/> visible ASCII characters (no spaces, controls or non-ASCII).</summary>
    public static bool IsId(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxIdLength)
        {
            return false;
        }
        foreach (var c in value)
        {
            if (c is < '!' or > '~')
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Checks <paramref name="message"/> and returns it ready to record: display name cut, control characters out of it,
    /// and text over <paramref name="maxTextCharacters"/> replaced by a short note (<see cref="IncomingMessage.OmittedTextLength"/>
    /// set), so nothing huge is stored and the turn can say why.
    /// </summary>
    public static IncomingMessage Checked(IncomingMessage message, int maxTextCharacters)
    {
        if (message.Address.Channel is not { Length: > 0 and <= 32 } channel || !channel.All(char.IsAsciiLetterLower))
        {
            throw new InboundRefusedException("the channel name is not one this service uses");
        }
        Id(message.Address.ConversationId, "conversation id");
        OptionalId(message.Address.ThreadKey, "thread id");
        Id(message.EventId, "event id");
        Id(message.From.PlatformUserId, "sender id");
        OptionalId(message.ReplyToPlatformMessageId, "replied-to message id");
        OptionalId(message.PlatformMessageId, "message id");
        if (message.ConversationReference is { Length: > MaxReferenceLength })
        {
            throw new InboundRefusedException($"the conversation reference is longer than {MaxReferenceLength} characters");
        }
        if (message.TimeZone is { } zone && (zone.Length > MaxTimeZoneLength || !zone.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '_' or '+' or '-')))
        {
            throw new InboundRefusedException("the time zone is not an IANA time zone name");
        }
        if (message.Action is { } action)
        {
            if (action.Name is not { Length: > 0 and <= MaxActionNameLength } || action.Name.Any(char.IsControl))
            {
                throw new InboundRefusedException($"the action name is empty, longer than {MaxActionNameLength} characters, or has control characters");
            }
            if (action.Data.Sum(pair => pair.Key.Length + (pair.Value?.Length ?? 0)) > MaxActionDataLength)
            {
                throw new InboundRefusedException($"the action's data is longer than {MaxActionDataLength} characters");
            }
        }

        var name = message.From.DisplayName is { } displayName ? CleanName(displayName) : null;
        var checkedMessage = name == message.From.DisplayName ? message : message with { From = message.From with { DisplayName = name } };
        if (message.Text is { } text && text.Length > maxTextCharacters && message.OmittedTextLength is null)
        {
            checkedMessage = checkedMessage with { Text = OmittedText(text.Length, maxTextCharacters), OmittedTextLength = text.Length };
        }
        return checkedMessage;
    }

    /// <summary>What is kept of a message over the limit: a note of its length, not its text.</summary>
    public static string OmittedText(int length, int limit) =>
        string.Format(CultureInfo.InvariantCulture, "[a message of {0:N0} characters, over the {1:N0}-character limit, was not kept]", length, limit);

    /// <summary>The bot's answer to a message over the limit.</summary>
    public static string TooLongReply(int length, int limit) =>
        string.Format(CultureInfo.InvariantCulture,
            "Your message was {0:N0} characters long, and I take at most {1:N0}. I have not read it; please send it again in shorter parts.", length, limit);

    private static string? CleanName(string name)
    {
        var cleaned = new string(name.Where(c => !char.IsControl(c)).Take(MaxDisplayNameLength).ToArray()).Trim();
        // A name cut inside a surrogate pair would not encode: drop the dangling half.
        if (cleaned.Length > 0 && char.IsHighSurrogate(cleaned[^1]))
        {
            cleaned = cleaned[..^1];
        }
        return cleaned.Length > 0 ? cleaned : null;
    }

    private static string DescribeBadId(string? value, string field) => value switch
    {
        null or "" => $"the {field} is missing",
        { Length: > MaxIdLength } => $"the {field} is longer than {MaxIdLength} characters",
        _ => $"the {field} has characters an id cannot have (spaces, controls or non-ASCII)",
    };
}
