namespace Bot.Storage.Entities;

public enum TradePlanStatus { Proposed, Approved, Submitting, Submitted, Filled, PartiallyFilled, Rejected, Failed, Declined, Expired }

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

public enum PlanOrderStatus { Pending, Submitted, Working, Filled, PartiallyFilled, Cancelled, Rejected, Failed }

/// <summary>One order of a plan. Its id is the client order id the broker sees, so a resubmission is refused there too.</summary>
public sealed class TradePlanOrder
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid PlanId { get; set; }
    public int Position { get; set; }
    public required string Symbol { get; set; }
    public required string Side { get; set; }
    public decimal Quantity { get; set; }
    public required string OrderType { get; set; }
    public decimal? LimitPrice { get; set; }
    public required string TimeInForce { get; set; }
    public decimal ProposalPrice { get; set; }
    public PlanOrderStatus Status { get; set; }
    public string? BrokerOrderId { get; set; }
    public decimal FilledQuantity { get; set; }
    public decimal? AveragePrice { get; set; }
    public string? Message { get; set; }
}
