using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Ibkr;

public sealed record IbkrPosition(
    string? AcctId,
    long? Conid,
    string? ContractDesc,
    decimal Position,
    decimal? MktPrice,
    decimal? MktValue,
    string? Currency,
    decimal? AvgCost,
    decimal? AvgPrice,
    decimal? UnrealizedPnl,
    string? Ticker,
    string? Name);
