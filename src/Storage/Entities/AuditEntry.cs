namespace Bot.Storage.Entities;

/// <summary>An append-only record of a security- or money-relevant transition.</summary>
public sealed class AuditEntry
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public DateTimeOffset At { get; set; }
    public Guid? ActorUserId { get; set; }
    public required string Action { get; set; }
    public required string SubjectType { get; set; }
    public required string SubjectId { get; set; }
    public string Data { get; set; } = "{}";
}
