using Bot.Finance.Broker;
using Bot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Tests.Integration;

/// <summary>A host whose paper market stays at the day's level (the tests compare with DeterministicQuotes).</summary>
public class FlatPaperMarketFactory : BotAppFactory
{
    protected override IDictionary<string, string> Settings => new Dictionary<string, string> { ["PaperBroker:IntradayMoves"] = "false" };
}

/// <summary>
/// The finance commands through the web chat with nothing configured: the demo bank and the paper broker answer.
/// The demo bank is seeded from the person's first identity (the web chat's owner here), so its balances, bills and
/// holdings are the same figures on every run; quotes are the paper broker's deterministic price of the day.
/// </summary>
public class FinanceWebChatTests(FlatPaperMarketFactory app) : IClassFixture<FlatPaperMarketFactory>
{
    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    private async Task<string> AskAsync(string text)
    {
        var client = await DirectLineTestClient.StartAsync(app.CreateClient());
        await client.SendAsync(text);
        var reply = Assert.Single(await client.WaitForBotRepliesAsync(1));
        return reply.GetProperty("text").GetString()!;
    }

    [Fact]
    public async Task Balances_come_from_the_demo_bank_and_say_so()
    {
        var reply = await AskAsync("/balances");
        Assert.Contains("· demo bank", reply, StringComparison.Ordinal);
        Assert.Contains("Demo bank: generated sample data", reply, StringComparison.Ordinal);
        Assert.Contains("- **Everyday Checking** ••6298 (checking): $5,949.14", reply, StringComparison.Ordinal);
        Assert.Contains("- **High-Yield Savings** ••5598 (savings): $16,413.84", reply, StringComparison.Ordinal);
        Assert.Contains("- **Rewards Credit Card** ••3103 (credit card): $779.47 owed, $4,220.53 available", reply, StringComparison.Ordinal);
        Assert.Contains("Cash $22,362.98 · card and loan debt $779.47", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transactions_list_bills_pay_and_spending_from_the_demo_bank()
    {
        var rent = await AskAsync("/transactions 90d category:rent");
        Assert.Contains("demo bank", rent, StringComparison.Ordinal);
        var firsts = Enumerable.Range(0, 90).Select(d => Today.AddDays(-d)).Count(d => d.Day == 1);
        Assert.Contains($"{firsts} transaction(s): spent {FormatMoney(1_675m * firsts)}, received $0.00.", rent, StringComparison.Ordinal);
        Assert.Equal(firsts, rent.Split('\n').Count(l => l.Contains("· Greenview Apartments · Rent · -$1,675.00", StringComparison.Ordinal)));

        var pay = await AskAsync("/transactions 90d merchant:\"acme corp\"");
        Assert.Contains("· Acme Corp Payroll · Income · +$3,450.00", pay, StringComparison.Ordinal);

        var recent = await AskAsync("/transactions");
        Assert.Contains($"{Today.AddDays(-29):yyyy-MM-dd} to {Today:yyyy-MM-dd} · demo bank", recent, StringComparison.Ordinal);
        Assert.Contains("Spending by category:", recent, StringComparison.Ordinal);

        var wrong = await AskAsync("/transactions fortnight");
        Assert.Contains("I don't understand the period 'fortnight'", wrong, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Quote_is_the_paper_brokers_price_of_the_day()
    {
        var last = DeterministicQuotes.LastFor("AAPL", Today);
        var half = DeterministicQuotes.HalfSpread(last);
        var reply = await AskAsync("/quote aapl");
        Assert.StartsWith($"**AAPL** {FormatMoney(last)} (bid {FormatMoney(last - half)} · ask {FormatMoney(last + half)}) · paper broker", reply, StringComparison.Ordinal);
        Assert.Contains("Paper broker: a simulated quote", reply, StringComparison.Ordinal);
        Assert.InRange(last, 190m * 0.97m, 190m * 1.03m);

        Assert.Contains("is not a ticker symbol", await AskAsync("/quote ???"), StringComparison.Ordinal);

        // A well-formed symbol the paper broker does not list is refused, not priced.
        var unknown = await AskAsync("/quote ZZZZZZ");
        Assert.Contains("I can't find a stock or ETF with the symbol ZZZZZZ", unknown, StringComparison.Ordinal);
        Assert.DoesNotContain("$", unknown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Portfolio_shows_paper_positions_and_demo_holdings_and_follows_paper_fills()
    {
        var before = await AskAsync("/portfolio");
        Assert.Contains("**Brokerage** · paper broker", before, StringComparison.Ordinal);
        Assert.Contains("Paper broker: simulated prices and fills", before, StringComparison.Ordinal);
        Assert.Contains("Cash $100,000.00\nNo positions yet.", before, StringComparison.Ordinal);
        Assert.Contains("**Bank investment accounts** · demo bank", before, StringComparison.Ordinal);
        foreach (var (symbol, quantity) in new[] { ("VTI", 11), ("AAPL", 45), ("MSFT", 7), ("BND", 40) })
        {
            var price = DeterministicQuotes.LastFor(symbol, Today);
            Assert.Contains($"- **{symbol}** {quantity} sh @ {FormatMoney(price)} = {FormatMoney(price * quantity)}", before, StringComparison.Ordinal);
        }
        // The total is a paragraph of its own after the list, not a continuation of the last holding.
        Assert.Matches(@"\n\nTotal \$[0-9,]+\.[0-9]{2}$", before);

        // A fill in the paper account (as the trade-plan executor will place it) shows up in /portfolio.
        var owner = await app.Database.ScalarAsync<Guid>("SELECT user_id FROM channel_identities WHERE channel = 'web' AND platform_user_id = 'owner'");
        using (var scope = app.Services.CreateScope())
        {
            var broker = scope.ServiceProvider.GetRequiredService<PaperBroker>();
            var filled = await broker.PlaceOrderAsync(owner, "web-test-1", new OrderRequest("MSFT", OrderSide.Buy, 10, OrderType.Market, null), default);
            Assert.Equal(BrokerOrderStatus.Filled, filled.Status);
        }
        var ask = DeterministicQuotes.LastFor("MSFT", Today) + DeterministicQuotes.HalfSpread(DeterministicQuotes.LastFor("MSFT", Today));
        var after = await AskAsync("/portfolio");
        Assert.Contains($"Cash {FormatMoney(100_000m - 10 * ask - 1m)}", after, StringComparison.Ordinal);
        Assert.Contains($"- **MSFT** 10 sh @ {FormatMoney(DeterministicQuotes.LastFor("MSFT", Today))}", after, StringComparison.Ordinal);
        Assert.Contains($"(avg cost {FormatMoney(ask)}", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Link_bank_explains_the_demo_bank()
    {
        var reply = await AskAsync("/link bank");
        Assert.Contains("demo bank", reply, StringComparison.Ordinal);
        Assert.Contains("Plaid:ClientId", reply, StringComparison.Ordinal);
        Assert.Contains("`/link bank`", await AskAsync("/link"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_lists_the_finance_commands()
    {
        var help = await AskAsync("/help");
        foreach (var usage in new[] { "`/balances`", "`/transactions [", "`/portfolio`", "`/quote SYMBOL`", "`/link bank`" })
        {
            Assert.Contains(usage, help, StringComparison.Ordinal);
        }
        // Only what works typed: /plan is what a card's buttons send, with the plan's hash.
        Assert.DoesNotContain("/plan", help, StringComparison.Ordinal);
    }

    private static string FormatMoney(decimal amount) => "$" + amount.ToString("N2", System.Globalization.CultureInfo.InvariantCulture);
}
