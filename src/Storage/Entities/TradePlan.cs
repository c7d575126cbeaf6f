namespace Bot.Storage.Entities;

/// <summary>A proposed list of orders, owned by one user; its orders never change after it is proposed.</summary>
public sealed class TradePlan
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string ShortId { get; set; }
    public Guid OwnerUserId { get; set; }
    public Guid ThreadId { get; set; }
    public Guid ConversationId { get; set; }
    public Guid? TurnId { get; set; }
    public int TurnOrdinal { get; set; }
    public TradePlanStatus Status { get; set; }
    public required string Rationale { get; set; }
    public string RiskNotes { get; set; } = "[]";
    public required string SnapshotHash { get; set; }
    public Guid? CardOutboxId { get; set; }
    public required string Broker { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    public Guid? DecidedByUserId { get; set; }
    public DateTimeOffset? ExecutionLeaseUntil { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public string? Outcome { get; set; }
    public List<TradePlanOrder> Orders { get; set; } = [];
}
