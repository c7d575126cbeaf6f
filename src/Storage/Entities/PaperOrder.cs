namespace Bot.Storage.Entities;

/// <summary>An order sent to the paper broker. Unique per user and client order id, like IBKR's <c>cOID</c>.</summary>
public sealed class PaperOrder
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid UserId { get; set; }
    public required string ClientOrderId { get; set; }
    public required string Symbol { get; set; }
    public required string Side { get; set; }
    public decimal Quantity { get; set; }
    public required string OrderType { get; set; }
    public decimal? LimitPrice { get; set; }
    public required string TimeInForce { get; set; }
    public required string Status { get; set; }
    public decimal FilledQuantity { get; set; }
    public decimal? FillPrice { get; set; }
    public string? RejectReason { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? FilledAt { get; set; }
}
