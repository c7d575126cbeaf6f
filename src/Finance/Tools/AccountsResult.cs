using Bot.Finance.Bank;
using Bot.Finance.Broker;

namespace Bot.Finance.Tools;

// What the finance tools return. Every result names its source and says when the data is demo or paper, so a
// reply built from it can say so too.

public sealed record AccountsResult(string BankSource, bool BankIsDemo, IReadOnlyList<BankAccount> BankAccounts, string BrokerSource, bool BrokerIsPaper, IReadOnlyList<BrokerAccount> BrokerAccounts);
