namespace Bot.Finance.Bank;

/// <summary>An account at a bank, with its balances as last reported.</summary>
public sealed record BankAccount(
    string AccountId,
    string Name,
    string? Mask,
    string Type,
    string? Subtype,
    decimal? Current,
    decimal? Available,
    decimal? Limit,
    string Currency,
    string? Institution);

/// <summary>A bank transaction. <see cref="Amount"/> follows Plaid: positive is money out, negative is money in.</summary>
public sealed record BankTransaction(
    string TransactionId,
    string AccountId,
    DateOnly Date,
    string Name,
    string? Merchant,
    string? Category,
    decimal Amount,
    string Currency,
    bool Pending);

/// <summary>A security held in an investment account at the bank.</summary>
public sealed record BankHolding(
    string AccountId,
    string? Symbol,
    string Name,
    decimal Quantity,
    decimal? Price,
    decimal? Value,
    decimal? CostBasis,
    string Currency);

/// <summary>A buy, sell, dividend or fee in an investment account.</summary>
public sealed record InvestmentTransaction(
    string TransactionId,
    string AccountId,
    DateOnly Date,
    string Name,
    string? Symbol,
    string Type,
    decimal Quantity,
    decimal Price,
    decimal Amount,
    string Currency);

/// <summary>
/// The bank-data port: Plaid when configured, the demo bank otherwise. Reads are per user; the user id always comes
/// from the turn, never from a model's arguments.
/// </summary>
public interface IBankProvider
{
    /// <summary>How replies name the source: "demo bank" or "Plaid".</summary>
    string SourceName { get; }

    /// <summary>True for generated data; every reply that uses it says so.</summary>
    bool IsDemo { get; }

    /// <summary>Whether the user has at least one connected bank (the demo bank always is).</summary>
    Task<bool> IsLinkedAsync(Guid userId, CancellationToken cancellationToken);

    Task<IReadOnlyList<BankAccount>> GetAccountsAsync(Guid userId, CancellationToken cancellationToken);

    /// <summary>Transactions dated within <paramref name="from"/>..<paramref name="to"/> (inclusive), newest first.</summary>
    Task<IReadOnlyList<BankTransaction>> GetTransactionsAsync(Guid userId, DateOnly from, DateOnly to, CancellationToken cancellationToken);

    Task<IReadOnlyList<BankHolding>> GetHoldingsAsync(Guid userId, CancellationToken cancellationToken);

    Task<IReadOnlyList<InvestmentTransaction>> GetInvestmentTransactionsAsync(Guid userId, DateOnly from, DateOnly to, CancellationToken cancellationToken);
}
