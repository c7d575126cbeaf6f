namespace Bot.Storage.Entities;

/// <summary>One activity of a Direct Line conversation; <see cref="Seq"/> is the watermark.</summary>
public sealed class DirectLineActivity
{
    public long Seq { get; set; }
    public required string ConversationAddress { get; set; }
    public required string ActivityId { get; set; }
    /// <summary>The outbox row this activity delivers (bot activities), so a retried send never duplicates.</summary>
    public Guid? OutboxId { get; set; }
    public required string Activity { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
