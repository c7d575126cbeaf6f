namespace Bot.Finance.Broker;

public enum OrderSide { Buy, Sell }

public enum OrderType { Market, Limit }

public enum TimeInForce { Day, Gtc }

/// <summary>What to trade. Quantity is in shares; a limit order needs <see cref="LimitPrice"/>.</summary>
public sealed record OrderRequest(string Symbol, OrderSide Side, decimal Quantity, OrderType Type, decimal? LimitPrice, TimeInForce TimeInForce = TimeInForce.Day);

public sealed record BrokerAccount(string AccountId, string Name, string Currency, bool IsPaper);

public sealed record BrokerPosition(string AccountId, string Symbol, string? Description, decimal Quantity, decimal? MarketPrice, decimal? MarketValue, decimal? AverageCost, decimal? UnrealizedPnl, string Currency);

/// <summary>A tradable instrument as the broker names it (IBKR: the contract id, <c>conid</c>).</summary>
public sealed record Contract(long ContractId, string Symbol, string? Name, string? Exchange);

public sealed record Quote(string Symbol, decimal? Last, decimal? Bid, decimal? Ask, DateTimeOffset AsOf, long? ContractId);

/// <summary>What an order would do, before it is sent: price, cost, commission and any warnings.</summary>
public sealed record OrderPreview(
    OrderRequest Order,
    decimal? EstimatedPrice,
    decimal? EstimatedNotional,
    decimal? Commission,
    string? Summary,
    IReadOnlyList<string> Warnings,
    string? Error);

public enum BrokerOrderStatus { Submitted, Working, Filled, PartiallyFilled, Cancelled, Rejected }

/// <summary>An order as the broker reports it; <see cref="ClientOrderId"/> is the caller's id (IBKR <c>cOID</c>).</summary>
public sealed record BrokerOrder(
    string OrderId,
    string? ClientOrderId,
    string Symbol,
    OrderSide Side,
    decimal Quantity,
    decimal FilledQuantity,
    decimal? AveragePrice,
    BrokerOrderStatus Status,
    string? Message);

/// <summary>
/// The broker port: IBKR's Web API / Client Portal Gateway when configured, the paper broker otherwise.
/// <see cref="PlaceOrderAsync"/> takes the caller's client order id and refuses one it has seen before
/// (<see cref="DuplicateClientOrderIdException"/>), so a retried submission can never trade twice.
/// </summary>
public interface IBrokerProvider
{
    /// <summary>How replies name the source: "paper broker" or "IBKR".</summary>
    string SourceName { get; }

    /// <summary>True when no real money moves (the paper broker, or an IBKR paper account).</summary>
    bool IsPaper { get; }

    Task<IReadOnlyList<BrokerAccount>> GetAccountsAsync(Guid userId, CancellationToken cancellationToken);

    Task<IReadOnlyList<BrokerPosition>> GetPositionsAsync(Guid userId, CancellationToken cancellationToken);

    /// <summary>Cash available in the account, when the broker reports it.</summary>
    Task<decimal?> GetCashAsync(Guid userId, CancellationToken cancellationToken);

    /// <summary>The instrument for a ticker symbol; null when the broker knows none.</summary>
    Task<Contract?> FindContractAsync(string symbol, CancellationToken cancellationToken);

    /// <summary>A quote for a symbol; throws <see cref="UnknownSymbolException"/> when there is no such instrument.</summary>
    Task<Quote> GetQuoteAsync(string symbol, CancellationToken cancellationToken);

    Task<OrderPreview> PreviewOrderAsync(Guid userId, OrderRequest order, CancellationToken cancellationToken);

    Task<BrokerOrder> PlaceOrderAsync(Guid userId, string clientOrderId, OrderRequest order, CancellationToken cancellationToken);

    Task<IReadOnlyList<BrokerOrder>> GetOrdersAsync(Guid userId, CancellationToken cancellationToken);
}

/// <summary>The client order id was used before; the broker did not accept the order again.</summary>
public sealed class DuplicateClientOrderIdException(string clientOrderId)
    : Exception($"An order with client order id '{clientOrderId}' was already submitted.")
{
    public string ClientOrderId { get; } = clientOrderId;
}

public sealed class UnknownSymbolException(string symbol) : Exception($"No instrument found for symbol '{symbol}'.")
{
    public string Symbol { get; } = symbol;
}
