namespace Bot.Storage.Entities;

public enum BankItemStatus { Active, LoginRequired }

/// <summary>
/// One bank connection (a Plaid Item) of a user. The provider's access token is kept only as Data Protection
/// ciphertext; <see cref="TransactionsCursor"/> is where the next <c>/transactions/sync</c> continues.
/// </summary>
public sealed class BankItem
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid UserId { get; set; }
    public required string Provider { get; set; }
    /// <summary>The provider's id of the connection (Plaid <c>item_id</c>).</summary>
    public required string ExternalId { get; set; }
    public string? InstitutionName { get; set; }
    /// <summary>The access token, encrypted with ASP.NET Core Data Protection. Never the plaintext.</summary>
    public required string ProtectedAccessToken { get; set; }
    public string? TransactionsCursor { get; set; }
    public BankItemStatus Status { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A transaction received through <c>/transactions/sync</c>, kept so reads need no round trip.</summary>
public sealed class BankTransactionRecord
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid BankItemId { get; set; }
    public required string ExternalId { get; set; }
    public required string AccountId { get; set; }
    public DateOnly Date { get; set; }
    public required string Name { get; set; }
    public string? MerchantName { get; set; }
    public string? Category { get; set; }
    /// <summary>Plaid's sign: positive is money out of the account, negative is money in.</summary>
    public decimal Amount { get; set; }
    public required string Currency { get; set; }
    public bool Pending { get; set; }
}

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

/// <summary>The simulated brokerage account of a user: its cash.</summary>
public sealed class PaperAccount
{
    public Guid UserId { get; set; }
    public decimal Cash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

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

/// <summary>A position of the paper broker, one row per user and symbol.</summary>
public sealed class PaperPosition
{
    public Guid UserId { get; set; }
    public required string Symbol { get; set; }
    public decimal Quantity { get; set; }
    public decimal AverageCost { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
