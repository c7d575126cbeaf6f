using Bot.Finance.Bank;
using Bot.Finance.Broker;

namespace Bot.Finance.Tools;

public sealed record QuoteResult(string Symbol, decimal? Last, decimal? Bid, decimal? Ask, DateTimeOffset AsOf, string Source, bool IsSimulated);
