using Bot.Finance.Bank;
using Bot.Finance.Broker;

namespace Bot.Finance.Tools;

public sealed record HoldingsResult(
    string BrokerSource,
    bool BrokerIsPaper,
    decimal? BrokerCash,
    IReadOnlyList<BrokerPosition> BrokerPositions,
    string BankSource,
    bool BankIsDemo,
    IReadOnlyList<BankHolding> BankHoldings);
