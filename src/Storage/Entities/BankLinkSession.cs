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
    /// <summary>Every step of the link is done and the code is spent.</summary>
    public DateTimeOffset? UsedAt { get; set; }
    /// <summary>A request is exchanging the public token until then (so two posts of the code never exchange twice).</summary>
    public DateTimeOffset? ClaimedUntil { get; set; }
    /// <summary>The connection whose access token this link stored; set before any follow-up call to Plaid.</summary>
    public Guid? LinkedBankItemId { get; set; }
}
