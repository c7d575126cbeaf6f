using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Ibkr;

public sealed record IbkrLiveOrder(
    long? OrderId,
    [property: JsonPropertyName("order_ref")] string? OrderRef,
    long? Conid,
    string? Ticker,
    string? Side,
    string? Status,
    decimal? FilledQuantity,
    decimal? RemainingQuantity,
    decimal? TotalSize,
    decimal? AvgPrice);
