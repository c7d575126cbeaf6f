namespace Bot.Storage.Entities;

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
