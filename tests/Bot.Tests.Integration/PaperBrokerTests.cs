using Bot.Finance.Broker;
using Bot.Storage;
using Bot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Bot.Tests.Integration;

/// <summary>The paper broker on real PostgreSQL: client order ids are accepted once, fills and positions persist.</summary>
public class PaperBrokerTests : IAsyncLifetime
{
    private TestDatabase db = null!;
    private ServiceProvider services = null!;
    private Guid user;

    public async Task InitializeAsync()
    {
        db = await TestDatabase.CreateAsync();
        services = new ServiceCollection().AddLogging().AddSingleton(TimeProvider.System).AddBotStorage(db.ConnectionString)
            .AddScoped<PaperBroker>()
            // The day's level all day, so the test's expected ask is the broker's.
            .AddSingleton<PaperMarket>().Configure<PaperMarketOptions>(o => o.IntradayMoves = false)
            .BuildServiceProvider();
        await new DatabaseMigrator(services.GetRequiredService<NpgsqlDataSource>(), NullLogger<DatabaseMigrator>.Instance).MigrateAsync(default);
        user = Guid.CreateVersion7();
        await using var command = services.GetRequiredService<NpgsqlDataSource>().CreateCommand("INSERT INTO users (id, display_name, created_at) VALUES ($1, 'Ada', now())");
        command.Parameters.Add(new() { Value = user });
        await command.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        await services.DisposeAsync();
        await db.DisposeAsync();
    }

    private async Task<T> WithBrokerAsync<T>(Func<PaperBroker, Task<T>> run)
    {
        await using var scope = services.CreateAsyncScope();
        return await run(scope.ServiceProvider.GetRequiredService<PaperBroker>());
    }

    private static decimal Ask(string symbol)
    {
        var last = DeterministicQuotes.LastFor(symbol, DateOnly.FromDateTime(DateTime.UtcNow));
        return last + DeterministicQuotes.HalfSpread(last);
    }

    [Fact]
    public async Task A_market_buy_fills_at_the_ask_and_persists_order_position_and_cash()
    {
        var order = await WithBrokerAsync(b => b.PlaceOrderAsync(user, "plan-1:0", new OrderRequest("AAPL", OrderSide.Buy, 10, OrderType.Market, null), default));

        var ask = Ask("AAPL");
        Assert.Equal(BrokerOrderStatus.Filled, order.Status);
        Assert.Equal(ask, order.AveragePrice);
        Assert.Equal(1, await db.CountAsync("SELECT count(*) FROM paper_orders WHERE client_order_id = 'plan-1:0' AND status = 'Filled' AND filled_quantity = 10 AND fill_price = $1 AND filled_at IS NOT NULL", ask));
        Assert.Equal(10m, await db.ScalarAsync<decimal>("SELECT quantity FROM paper_positions WHERE user_id = $1 AND symbol = 'AAPL'", user));
        Assert.Equal(ask, await db.ScalarAsync<decimal>("SELECT average_cost FROM paper_positions WHERE user_id = $1 AND symbol = 'AAPL'", user));
        Assert.Equal(PaperBroker.StartingCash - 10 * ask - 1m, await db.ScalarAsync<decimal>("SELECT cash FROM paper_accounts WHERE user_id = $1", user));

        var position = Assert.Single(await WithBrokerAsync(b => b.GetPositionsAsync(user, default)));
        Assert.Equal(("AAPL", 10m), (position.Symbol, position.Quantity));
    }

    [Fact]
    public async Task A_symbol_the_paper_broker_does_not_list_gets_no_price_no_contract_and_no_fill()
    {
        await Assert.ThrowsAsync<UnknownSymbolException>(() => WithBrokerAsync(b => b.GetQuoteAsync("ZZZZZZ", default)));
        Assert.Null(await WithBrokerAsync(b => b.FindContractAsync("zzzzzz", default)));
        var buy = new OrderRequest("ZZZZZZ", OrderSide.Buy, 1, OrderType.Market, null);
        var preview = await WithBrokerAsync(b => b.PreviewOrderAsync(user, buy, default));
        Assert.Equal("The paper broker knows no instrument called ZZZZZZ.", preview.Error);

        var order = await WithBrokerAsync(b => b.PlaceOrderAsync(user, "plan-9:0", buy, default));
        Assert.Equal(BrokerOrderStatus.Rejected, order.Status);
        Assert.Equal(0, await db.CountAsync("SELECT count(*) FROM paper_positions WHERE user_id = $1", user));
        Assert.Equal(PaperBroker.StartingCash, await db.ScalarAsync<decimal>("SELECT cash FROM paper_accounts WHERE user_id = $1", user));

        // The listed ones still quote, whatever the case they are typed in.
        Assert.Equal("BRK.B", (await WithBrokerAsync(b => b.GetQuoteAsync("brk.b", default))).Symbol);
    }

    [Fact]
    public async Task A_duplicate_client_order_id_is_refused_and_changes_nothing()
    {
        var buy = new OrderRequest("VTI", OrderSide.Buy, 5, OrderType.Market, null);
        await WithBrokerAsync(b => b.PlaceOrderAsync(user, "plan-7:0", buy, default));
        var cash = await db.ScalarAsync<decimal>("SELECT cash FROM paper_accounts WHERE user_id = $1", user);

        var duplicate = await Assert.ThrowsAsync<DuplicateClientOrderIdException>(() =>
            WithBrokerAsync(b => b.PlaceOrderAsync(user, "plan-7:0", buy with { Quantity = 50 }, default)));
        Assert.Equal("plan-7:0", duplicate.ClientOrderId);

        // Many replicas retrying the same order at once: exactly one is accepted.
        var attempts = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            try
            {
                await WithBrokerAsync(b => b.PlaceOrderAsync(user, "plan-8:0", buy, default));
                return true;
            }
            catch (DuplicateClientOrderIdException)
            {
                return false;
            }
        }));
        Assert.Equal(1, attempts.Count(accepted => accepted));

        Assert.Equal(2, await db.CountAsync("SELECT count(*) FROM paper_orders WHERE user_id = $1", user));
        Assert.Equal(10m, await db.ScalarAsync<decimal>("SELECT quantity FROM paper_positions WHERE user_id = $1 AND symbol = 'VTI'", user));
        Assert.Equal(cash - 5 * Ask("VTI") - 1m, await db.ScalarAsync<decimal>("SELECT cash FROM paper_accounts WHERE user_id = $1", user));
    }

    [Fact]
    public async Task Sells_reduce_positions_and_shorts_limits_and_overspending_are_handled()
    {
        await WithBrokerAsync(b => b.PlaceOrderAsync(user, "b1", new OrderRequest("MSFT", OrderSide.Buy, 10, OrderType.Market, null), default));
        var sold = await WithBrokerAsync(b => b.PlaceOrderAsync(user, "s1", new OrderRequest("MSFT", OrderSide.Sell, 4, OrderType.Market, null), default));
        Assert.Equal(BrokerOrderStatus.Filled, sold.Status);
        Assert.Equal(6m, await db.ScalarAsync<decimal>("SELECT quantity FROM paper_positions WHERE user_id = $1 AND symbol = 'MSFT'", user));

        var shortSale = await WithBrokerAsync(b => b.PlaceOrderAsync(user, "s2", new OrderRequest("MSFT", OrderSide.Sell, 100, OrderType.Market, null), default));
        Assert.Equal(BrokerOrderStatus.Rejected, shortSale.Status);
        Assert.Contains("does not sell short", shortSale.Message, StringComparison.Ordinal);
        Assert.Equal(1, await db.CountAsync("SELECT count(*) FROM paper_orders WHERE client_order_id = 's2' AND status = 'Rejected' AND reject_reason IS NOT NULL"));

        var resting = await WithBrokerAsync(b => b.PlaceOrderAsync(user, "l1", new OrderRequest("MSFT", OrderSide.Buy, 1, OrderType.Limit, 1.00m), default));
        Assert.Equal(BrokerOrderStatus.Working, resting.Status);

        var tooBig = await WithBrokerAsync(b => b.PlaceOrderAsync(user, "b2", new OrderRequest("SPY", OrderSide.Buy, 10_000, OrderType.Market, null), default));
        Assert.Equal(BrokerOrderStatus.Rejected, tooBig.Status);
        Assert.Equal(6m, await db.ScalarAsync<decimal>("SELECT quantity FROM paper_positions WHERE user_id = $1 AND symbol = 'MSFT'", user));
        Assert.Equal(0, await db.CountAsync("SELECT count(*) FROM paper_positions WHERE user_id = $1 AND symbol = 'SPY'", user));

        var orders = await WithBrokerAsync(b => b.GetOrdersAsync(user, default));
        Assert.Equal(["b1", "b2", "l1", "s1", "s2"], orders.Select(o => o.ClientOrderId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_preview_estimates_cost_and_warns()
    {
        var preview = await WithBrokerAsync(b => b.PreviewOrderAsync(user, new OrderRequest("AAPL", OrderSide.Sell, 3, OrderType.Limit, 10_000m), default));
        Assert.Null(preview.Error);
        Assert.Equal(30_000m, preview.EstimatedNotional);
        Assert.Contains(preview.Warnings, w => w.Contains("does not sell short", StringComparison.Ordinal));
        Assert.Contains(preview.Warnings, w => w.Contains("would wait unfilled", StringComparison.Ordinal));

        var bad = await WithBrokerAsync(b => b.PreviewOrderAsync(user, new OrderRequest("AAPL", OrderSide.Buy, 0, OrderType.Market, null), default));
        Assert.NotNull(bad.Error);
    }
}
