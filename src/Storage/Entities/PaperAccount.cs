namespace Bot.Storage.Entities;

/// <summary>The simulated brokerage account of a user: its cash.</summary>
public sealed class PaperAccount
{
    public Guid UserId { get; set; }
    public decimal Cash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
