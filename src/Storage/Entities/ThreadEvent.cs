namespace Bot.Storage.Entities;

/// <summary>One step of a thread: a user message, an assistant reply, a tool call or result.</summary>
public sealed class ThreadEvent
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid ThreadId { get; set; }
    public required string Role { get; set; }
    /// <summary>The event body as JSON (text, card, tool call ...).</summary>
    public required string Content { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>The inbox row whose turn wrote this event (null for user messages and older rows).</summary>
    public Guid? TurnId { get; set; }
}
