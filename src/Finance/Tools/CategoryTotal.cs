using Bot.Finance.Bank;
using Bot.Finance.Broker;

namespace Bot.Finance.Tools;

public sealed record CategoryTotal(string Category, decimal Spent, int Count);
