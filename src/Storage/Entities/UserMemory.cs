namespace Bot.Storage.Entities;

/// <summary>A durable fact or preference the assistant keeps about a user.</summary>
public sealed class UserMemory
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid UserId { get; set; }
    public required string Kind { get; set; }
    public required string Content { get; set; }
    public Guid? SourceThreadId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
