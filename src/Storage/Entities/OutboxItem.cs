namespace Bot.Storage.Entities;

/// <summary>Something to deliver to a platform. Sent in order per conversation, retried with backoff until it expires.</summary>
public sealed class OutboxItem
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    /// <summary>Insertion order; delivery within a conversation follows it.</summary>
    public long Seq { get; set; }
    public Guid ConversationId { get; set; }
    public Guid? ThreadId { get; set; }
    public required string Channel { get; set; }
    /// <summary>The neutral outgoing message as JSON.</summary>
    public required string Payload { get; set; }
    public OutboxStatus Status { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public string? PlatformMessageId { get; set; }
    public string? LastError { get; set; }
    /// <summary>For a reply sent in parts: how many leading parts were delivered (each recorded before the next is sent).</summary>
    public int PartsSent { get; set; }
    /// <summary>The platform ids of those parts, in order.</summary>
    public string[] PartIds { get; set; } = [];
    /// <summary>The attempt in which the last part was recorded (tries since then delivered nothing).</summary>
    public int LastPartAttempt { get; set; }
}
