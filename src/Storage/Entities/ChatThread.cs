namespace Bot.Storage.Entities;

/// <summary>A persisted chat thread. Turns within one thread run one at a time (the lease).</summary>
public sealed class ChatThread
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid UserId { get; set; }
    public Guid ConversationId { get; set; }
    /// <summary>The channel's key for this thread inside the conversation (a Slack root ts, a Telegram topic); null when the conversation is the thread.</summary>
    public string? ThreadKey { get; set; }
    public string? Title { get; set; }
    public ThreadStatus Status { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public string? LeaseOwner { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }
    /// <summary>A rolling summary of the events up to <see cref="SummaryThrough"/>, which the prompt then leaves out.</summary>
    public string? Summary { get; set; }
    public DateTimeOffset? SummaryThrough { get; set; }
}
