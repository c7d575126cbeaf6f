namespace Bot.Storage.Entities;

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
