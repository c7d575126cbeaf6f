using Bot.Finance.Bank;
using Bot.Finance.Broker;

namespace Bot.Finance.Tools;

public sealed record CurrencyTotal(string Currency, decimal Cash, decimal Debt, decimal Investments);
