using Bot.Pipeline.Model;

namespace Bot.Pipeline;

/// <summary>One delivery handed to a channel: the message, where it goes, and (for an update) the platform id it replaces.</summary>
public sealed record OutboundDelivery(
    Guid OutboxId,
    Guid ConversationId,
    string ConversationAddress,
    string ConversationReference,
    OutgoingMessage Message,
    string? ReplacesPlatformMessageId,
    int Attempt);
