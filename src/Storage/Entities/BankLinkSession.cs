namespace Bot.Storage.Entities;

/// <summary>A one-time link that opens the bank-linking page for a user. Only a hash of the code is stored.</summary>
public sealed class BankLinkSession
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid UserId { get; set; }
    public required string CodeHash { get; set; }
    /// <summary>Set when the link repairs an existing connection (update mode) rather than adding one.</summary>
    public Guid? BankItemId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? UsedAt { get; set; }
}
