using Bot.Finance.Bank;
using Bot.Finance.Broker;

namespace Bot.Finance.Tools;

// What the finance tools return. Every result names its source and says when the data is demo or paper, so a
// reply built from it can say so too.

public sealed record AccountsResult(string BankSource, bool BankIsDemo, IReadOnlyList<BankAccount> BankAccounts, string BrokerSource, bool BrokerIsPaper, IReadOnlyList<BrokerAccount> BrokerAccounts);

public sealed record CurrencyTotal(string Currency, decimal Cash, decimal Debt, decimal Investments);

public sealed record BalancesResult(string Source, bool IsDemo, IReadOnlyList<BankAccount> Accounts, IReadOnlyList<CurrencyTotal> Totals, DateTimeOffset AsOf);

public sealed record CategoryTotal(string Category, decimal Spent, int Count);

public sealed record TransactionsResult(
    string Source,
    bool IsDemo,
    DateOnly From,
    DateOnly To,
    string? Category,
    string? Merchant,
    int Count,
    decimal TotalSpent,
    decimal TotalReceived,
    IReadOnlyList<CategoryTotal> ByCategory,
    IReadOnlyList<BankTransaction> Transactions,
    bool Truncated);

public sealed record HoldingsResult(
    string BrokerSource,
    bool BrokerIsPaper,
    decimal? BrokerCash,
    IReadOnlyList<BrokerPosition> BrokerPositions,
    string BankSource,
    bool BankIsDemo,
    IReadOnlyList<BankHolding> BankHoldings);

public sealed record QuoteResult(string Symbol, decimal? Last, decimal? Bid, decimal? Ask, DateTimeOffset AsOf, string Source, bool IsSimulated);

public sealed record OrderPreviewResult(
    string Source,
    bool IsPaper,
    string Symbol,
    OrderSide Side,
    decimal Quantity,
    OrderType Type,
    decimal? LimitPrice,
    decimal? EstimatedPrice,
    decimal? EstimatedNotional,
    decimal? Commission,
    IReadOnlyList<string> Warnings);

public sealed record BankLinkResult(string Message, string? Url, DateTimeOffset? ExpiresAt);
