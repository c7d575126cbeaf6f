namespace Bot.Storage.Entities;

/// <summary>A position of the paper broker, one row per user and symbol.</summary>
public sealed class PaperPosition
{
    public Guid UserId { get; set; }
    public required string Symbol { get; set; }
    public decimal Quantity { get; set; }
    public decimal AverageCost { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
