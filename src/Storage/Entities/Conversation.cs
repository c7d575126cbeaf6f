namespace Bot.Storage.Entities;

/// <summary>A place messages are exchanged in: a Direct Line conversation, a Telegram chat, a Slack channel.</summary>
public sealed class Conversation
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Channel { get; set; }
    /// <summary>The platform's conversation id, unique per channel.</summary>
    public required string Address { get; set; }
    /// <summary>What the channel needs to send here proactively (service URL, team id, ...), as JSON.</summary>
    public string Reference { get; set; } = "{}";
    public bool IsGroup { get; set; }
    public Guid? CurrentThreadId { get; set; }
    public DateTimeOffset? UnreachableSince { get; set; }
    public string? UnreachableReason { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
