namespace Bot.Storage.Entities;

/// <summary>An inbound platform event waiting for (or done with) its turn. Unique per channel + platform event id.</summary>
public sealed class InboxItem
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Channel { get; set; }
    public required string EventId { get; set; }
    public Guid ThreadId { get; set; }
    public Guid ConversationId { get; set; }
    public Guid UserId { get; set; }
    public Guid ThreadEventId { get; set; }
    /// <summary>The neutral incoming message as JSON.</summary>
    public required string Payload { get; set; }
    public InboxStatus Status { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public DateTimeOffset? ProcessedAt { get; set; }
    public string? LastError { get; set; }
}
