using Bot.Pipeline.Model;

namespace Bot.Pipeline;

/// <summary>What a send came to. Channels map their platform's answers onto these.</summary>
public abstract record SendResult
{
    private SendResult() { }

    /// <summary>
    /// The platform accepted it and named it. <paramref name="ConversationReference"/> is set when the channel had to
    /// learn a better way to reach the conversation while sending (a Teams 1:1 chat it opened): it replaces the stored one.
    /// </summary>
    public sealed record Sent(string PlatformMessageId, string? ConversationReference = null) : SendResult;

    /// <summary>A transient failure (network, 5xx, 429); <paramref name="RetryAfter"/> is the platform's wish when it gave one.</summary>
    public sealed record RetryLater(string Error, TimeSpan? RetryAfter = null) : SendResult;

    /// <summary>The user blocked or removed the bot (403 and kin): stop sending to this conversation.</summary>
    public sealed record Unreachable(string Reason) : SendResult;

    /// <summary>The platform refused this message for good (400 and kin): retrying cannot help.</summary>
    public sealed record Failed(string Error) : SendResult;
}
