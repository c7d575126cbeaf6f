using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Ibkr;

public sealed record IbkrOrder(
    [property: JsonPropertyName("acctId")] string AcctId,
    [property: JsonPropertyName("conid")] long Conid,
    [property: JsonPropertyName("cOID")] string? ClientOrderId,
    [property: JsonPropertyName("orderType")] string OrderType,
    [property: JsonPropertyName("price")] decimal? Price,
    [property: JsonPropertyName("side")] string Side,
    [property: JsonPropertyName("tif")] string Tif,
    [property: JsonPropertyName("quantity")] decimal Quantity);
