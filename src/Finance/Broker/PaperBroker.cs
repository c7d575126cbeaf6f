using Npgsql;
using static Bot.Pipeline.Sql;

namespace Bot.Finance.Broker;

/// <summary>
/// The embedded broker when IBKR is not configured: orders fill at once at the <see cref="PaperMarket"/> quote (buys at the
/// ask, sells at the bid; a limit order only when it is marketable, otherwise it stays working), and orders,
/// positions and cash persist in PostgreSQL. A client order id is accepted once per user, as IBKR does with cOID:
/// the order row is inserted first, and a second insert of the same id changes nothing. Its tables (paper_accounts,
/// paper_positions, paper_orders) are SQL-only: an order is an insert that may conflict, guarded updates of cash and
/// quantity and an upsert of the position in one transaction, which EF Core cannot say, so the reads are SQL too.
/// </summary>
public sealed class PaperBroker(NpgsqlDataSource dataSource, TimeProvider clock, PaperMarket prices) : IBrokerProvider
{
    public const decimal StartingCash = 100_000m;
    public const string ExchangeName = "PAPER";

    public string SourceName => "paper broker";

    public bool IsPaper => true;

    public static string AccountIdFor(Guid userId) => "PAPER-" + userId.ToString("N")[..8].ToUpperInvariant();

    public Task<IReadOnlyList<BrokerAccount>> GetAccountsAsync(Guid userId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<BrokerAccount>>([new BrokerAccount(AccountIdFor(userId), "Paper trading account", "USD", IsPaper: true)]);

    public async Task<decimal?> GetCashAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var command = Command(dataSource, "SELECT cash FROM paper_accounts WHERE user_id = $1", userId);
        // No account yet: it is created with the starting cash by the first order.
        return await command.ExecuteScalarAsync(cancellationToken) as decimal? ?? StartingCash;
    }

    public async Task<IReadOnlyList<BrokerPosition>> GetPositionsAsync(Guid userId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var positions = new List<BrokerPosition>();
        await using var command = Command(dataSource,
            "SELECT symbol, quantity, average_cost FROM paper_positions WHERE user_id = $1 AND quantity <> 0 ORDER BY symbol", userId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var (symbol, quantity, averageCost) = (reader.GetString(0), reader.GetDecimal(1), reader.GetDecimal(2));
            var last = prices.QuoteFor(symbol, now).Last!.Value;
            positions.Add(new BrokerPosition(AccountIdFor(userId), symbol, null, quantity, last, quantity * last, averageCost,
                decimal.Round((last - averageCost) * quantity, 2, MidpointRounding.AwayFromZero), "USD"));
        }
        return positions;
    }

    public Task<Contract?> FindContractAsync(string symbol, CancellationToken cancellationToken)
    {
        var normalized = Symbols.Normalize(symbol);
        return Task.FromResult(normalized is null || !DeterministicQuotes.IsListed(normalized) ? null : new Contract((long)(DeterministicQuotes.Hash(normalized) & 0x7FFF_FFFF), normalized, null, ExchangeName));
    }

    /// <summary>What every broker checks, and then whether this one lists the symbol.</summary>
    private static string? Problem(OrderRequest order) =>
        OrderChecks.Problem(order) ?? (DeterministicQuotes.IsListed(order.Symbol) ? null : $"The paper broker knows no instrument called {order.Symbol}.");

    public Task<Quote> GetQuoteAsync(string symbol, CancellationToken cancellationToken)
    {
        var normalized = Symbols.Normalize(symbol);
        if (normalized is null || !DeterministicQuotes.IsListed(normalized))
        {
            throw new UnknownSymbolException(symbol);
        }
        return Task.FromResult(prices.QuoteFor(normalized, clock.GetUtcNow()));
    }

    public async Task<OrderPreview> PreviewOrderAsync(Guid userId, OrderRequest order, CancellationToken cancellationToken)
    {
        if (Problem(order) is { } problem)
        {
            return new OrderPreview(order, null, null, null, null, [], problem);
        }
        var quote = prices.QuoteFor(order.Symbol, clock.GetUtcNow());
        var market = order.Side == OrderSide.Buy ? quote.Ask!.Value : quote.Bid!.Value;
        var price = order.Type == OrderType.Limit ? order.LimitPrice!.Value : market;
        var notional = decimal.Round(order.Quantity * price, 2, MidpointRounding.AwayFromZero);
        var commission = OrderChecks.Commission(order.Quantity, price);
        var warnings = new List<string>();
        if (order.Type == OrderType.Limit && !Marketable(order, market))
        {
            warnings.Add($"The limit is away from the market ({market:0.00}); the order would wait unfilled.");
        }
        if (order.Side == OrderSide.Buy && notional + commission > (await GetCashAsync(userId, cancellationToken) ?? 0m))
        {
            warnings.Add("The paper account does not have enough cash for this order.");
        }
        if (order.Side == OrderSide.Sell)
        {
            await using var command = Command(dataSource, "SELECT quantity FROM paper_positions WHERE user_id = $1 AND symbol = $2", userId, order.Symbol);
            var held = await command.ExecuteScalarAsync(cancellationToken) as decimal? ?? 0m;
            if (held < order.Quantity)
            {
                warnings.Add($"The paper account holds {held:0.####} {order.Symbol}; the paper broker does not sell short.");
            }
        }
        return new OrderPreview(order, price, notional, commission, null, warnings, null);
    }

    public async Task<BrokerOrder> PlaceOrderAsync(Guid userId, string clientOrderId, OrderRequest order, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clientOrderId);
        var now = clock.GetUtcNow();
        var problem = Problem(order);
        var quote = problem is null ? prices.QuoteFor(order.Symbol, now) : null;

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var orderId = Guid.CreateVersion7(now);
        if (await ExecuteAsync(connection, transaction, $"""
                INSERT INTO paper_orders (id, user_id, client_order_id, symbol, side, quantity, order_type, limit_price, time_in_force, status, created_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '{nameof(BrokerOrderStatus.Submitted)}', $10)
                ON CONFLICT (user_id, client_order_id) DO NOTHING
                """, [orderId, userId, clientOrderId, order.Symbol, order.Side.ToString(), order.Quantity, order.Type.ToString(),
                (object?)order.LimitPrice ?? DBNull.Value, order.TimeInForce.ToString(), now], cancellationToken) == 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            throw new DuplicateClientOrderIdException(clientOrderId);
        }
        await ExecuteAsync(connection, transaction, "INSERT INTO paper_accounts (user_id, cash, created_at) VALUES ($1, $2, $3) ON CONFLICT (user_id) DO NOTHING", [userId, StartingCash, now], cancellationToken);

        var (status, fillPrice, reason) = problem is not null
            ? (BrokerOrderStatus.Rejected, (decimal?)null, problem)
            : await TryFillAsync(connection, transaction, userId, order, quote!, now, cancellationToken);

        await ExecuteAsync(connection, transaction, "UPDATE paper_orders SET status = $2, filled_quantity = $3, fill_price = $4, reject_reason = $5, filled_at = $6 WHERE id = $1", [orderId, status.ToString(), status == BrokerOrderStatus.Filled ? order.Quantity : 0m, (object?)fillPrice ?? DBNull.Value,
            (object?)reason ?? DBNull.Value, status == BrokerOrderStatus.Filled ? now : (object)DBNull.Value], cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        return new BrokerOrder(orderId.ToString("N"), clientOrderId, order.Symbol, order.Side, order.Quantity,
            status == BrokerOrderStatus.Filled ? order.Quantity : 0m, fillPrice, status, reason);
    }

    public async Task<IReadOnlyList<BrokerOrder>> GetOrdersAsync(Guid userId, CancellationToken cancellationToken)
    {
        var orders = new List<BrokerOrder>();
        await using var command = Command(dataSource,
            """
            SELECT id, client_order_id, symbol, side, quantity, filled_quantity, fill_price, status, reject_reason
            FROM paper_orders WHERE user_id = $1 ORDER BY created_at DESC LIMIT 100
            """, userId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            orders.Add(new BrokerOrder(reader.GetGuid(0).ToString("N"), reader.GetString(1), reader.GetString(2), Enum.Parse<OrderSide>(reader.GetString(3)),
                reader.GetDecimal(4), reader.GetDecimal(5), reader.IsDBNull(6) ? null : reader.GetDecimal(6), Enum.Parse<BrokerOrderStatus>(reader.GetString(7)),
                reader.IsDBNull(8) ? null : reader.GetString(8)));
        }
        return orders;
    }

    private static bool Marketable(OrderRequest order, decimal market) =>
        order.Type == OrderType.Market || (order.Side == OrderSide.Buy ? order.LimitPrice >= market : order.LimitPrice <= market);

    private static async Task<(BrokerOrderStatus, decimal?, string?)> TryFillAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, OrderRequest order, Quote quote, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var market = order.Side == OrderSide.Buy ? quote.Ask!.Value : quote.Bid!.Value;
        if (!Marketable(order, market))
        {
            return (BrokerOrderStatus.Working, null, null);
        }
        var notional = decimal.Round(order.Quantity * market, 2, MidpointRounding.AwayFromZero);
        var cost = notional + OrderChecks.Commission(order.Quantity, market);
        if (order.Side == OrderSide.Buy)
        {
            if (await ExecuteAsync(connection, transaction, "UPDATE paper_accounts SET cash = cash - $2 WHERE user_id = $1 AND cash >= $2", [userId, cost], cancellationToken) == 0)
            {
                return (BrokerOrderStatus.Rejected, null, "The paper account does not have enough cash for this order.");
            }
            await ExecuteAsync(connection, transaction, """
                INSERT INTO paper_positions (user_id, symbol, quantity, average_cost, updated_at) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (user_id, symbol) DO UPDATE SET
                    average_cost = round((paper_positions.quantity * paper_positions.average_cost + excluded.quantity * excluded.average_cost)
                                         / (paper_positions.quantity + excluded.quantity), 4),
                    quantity = paper_positions.quantity + excluded.quantity,
                    updated_at = excluded.updated_at
                """, [userId, order.Symbol, order.Quantity, market, now], cancellationToken);
        }
        else
        {
            if (await ExecuteAsync(connection, transaction, "UPDATE paper_positions SET quantity = quantity - $3, updated_at = $4 WHERE user_id = $1 AND symbol = $2 AND quantity >= $3", [userId, order.Symbol, order.Quantity, now], cancellationToken) == 0)
            {
                return (BrokerOrderStatus.Rejected, null, $"The paper account does not hold {order.Quantity:0.####} {order.Symbol}; the paper broker does not sell short.");
            }
            await ExecuteAsync(connection, transaction, "DELETE FROM paper_positions WHERE user_id = $1 AND symbol = $2 AND quantity = 0", [userId, order.Symbol], cancellationToken);
            await ExecuteAsync(connection, transaction, "UPDATE paper_accounts SET cash = cash + $2 WHERE user_id = $1", [userId, notional - (cost - notional)], cancellationToken);
        }
        return (BrokerOrderStatus.Filled, market, null);
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, object[] values, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
