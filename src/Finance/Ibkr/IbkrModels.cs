using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Ibkr;

// IBKR Web API wire types (only the fields used). IBKR mixes numbers and numeric strings for the same field
// across endpoints and versions, so numbers are read from either.

public sealed record IbkrAccountsResponse(IReadOnlyList<string>? Accounts, string? SelectedAccount, bool? IsPaper);

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

public sealed record IbkrSection(string? SecType);

public sealed record IbkrSecdef(long? Conid, string? Symbol, string? CompanyName, string? Description, IReadOnlyList<IbkrSection>? Sections);

public sealed record IbkrOrder(
    [property: JsonPropertyName("acctId")] string AcctId,
    [property: JsonPropertyName("conid")] long Conid,
    [property: JsonPropertyName("cOID")] string? ClientOrderId,
    [property: JsonPropertyName("orderType")] string OrderType,
    [property: JsonPropertyName("price")] decimal? Price,
    [property: JsonPropertyName("side")] string Side,
    [property: JsonPropertyName("tif")] string Tif,
    [property: JsonPropertyName("quantity")] decimal Quantity);

public sealed record IbkrOrdersRequest(IReadOnlyList<IbkrOrder> Orders);

public sealed record IbkrReplyRequest(bool Confirmed);

public sealed record IbkrWhatIfAmount(string? Amount, string? Commission, string? Total);

public sealed record IbkrWhatIfResponse(IbkrWhatIfAmount? Amount, string? Warn, string? Error);

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

public sealed record IbkrLiveOrdersResponse(IReadOnlyList<IbkrLiveOrder>? Orders);

public sealed record IbkrAuthStatus(bool? Authenticated, bool? Connected, bool? Competing);

public sealed record IbkrIserverStatus(IbkrAuthStatus? AuthStatus);

public sealed record IbkrTickleResponse(string? Session, IbkrIserverStatus? Iserver, string? Error);

public sealed record IbkrSessionInitRequest(bool Publish, bool Compete);

internal static class IbkrJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
