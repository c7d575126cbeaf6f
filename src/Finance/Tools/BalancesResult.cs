using Bot.Finance.Bank;
using Bot.Finance.Broker;

namespace Bot.Finance.Tools;

public sealed record BalancesResult(string Source, bool IsDemo, IReadOnlyList<BankAccount> Accounts, IReadOnlyList<CurrencyTotal> Totals, DateTimeOffset AsOf);
