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
    int Attempt)
{
    /// <summary>
    /// The platform ids of the leading parts of this message that earlier attempts delivered, in order. A channel that
    /// sends a message in parts starts at part <c>DeliveredParts.Count</c> (its splitting is deterministic, so indexes are
    /// stable across attempts and replicas) and never posts those again.
    /// </summary>
    public IReadOnlyList<string> DeliveredParts { get; init; } = [];

    /// <summary>The most parts the channel may split this message into (<see cref="PipelineOptions.MaxReplyParts"/>).</summary>
    public int MaxParts { get; init; } = 8;

    /// <summary>
    /// Records part <c>index</c> as delivered, with its platform id: the outbox's one door for a reply's progress. A
    /// channel sending in parts calls it after each part but the last, and awaits it before posting the next (the last
    /// part is recorded with the row's outcome). If the process dies between a post and its record, that one part is
    /// posted again; no earlier part is. It throws when the record cannot be written or the row is no longer this sender's:
    /// the channel must let that through and post nothing more.
    /// </summary>
    public PartRecorder RecordPartAsync { get; init; } = static (_, _, _) => Task.CompletedTask;
}

/// <summary>See <see cref="OutboundDelivery.RecordPartAsync"/>.</summary>
public delegate Task PartRecorder(int index, string platformMessageId, CancellationToken cancellationToken);
