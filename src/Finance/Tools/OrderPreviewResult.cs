using Bot.Finance.Bank;
using Bot.Finance.Broker;

namespace Bot.Finance.Tools;

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
