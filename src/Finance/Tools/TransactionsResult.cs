using Bot.Finance.Bank;
using Bot.Finance.Broker;

namespace Bot.Finance.Tools;

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
