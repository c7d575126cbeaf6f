using System.ComponentModel;
using Bot.Finance.Bank;
using Bot.Finance.Broker;
using Bot.Finance.Ibkr;
using Bot.Finance.Plaid;
using Bot.Agent.Tools;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bot.Finance.Tools;

/// <summary>
/// The finance tools for one turn. The user is the turn's (<see cref="ToolContext"/>), never a model argument. Each
/// tool returns a result record or a <see cref="ToolError"/> with a clear message; none throws.
/// </summary>
public sealed partial class FinanceTools(
    ToolContext context,
    IBankProvider bank,
    IBrokerProvider broker,
    BankLinks links,
    IOptions<PlaidOptions> plaidOptions,
    TimeProvider clock,
    ILogger<FinanceTools> logger)
{
    public const int MaxListedTransactions = 50;

    [Description("Lists the user's bank accounts and brokerage accounts.")]
    public Task<object> GetAccountsAsync(CancellationToken cancellationToken) => GuardAsync(async () =>
    {
        if (await NotLinkedAsync(cancellationToken) is { } notLinked)
        {
            return notLinked;
        }
        var accounts = await bank.GetAccountsAsync(context.UserId, cancellationToken);
        var brokerAccounts = await broker.GetAccountsAsync(context.UserId, cancellationToken);
        return new AccountsResult(bank.SourceName, bank.IsDemo, accounts, broker.SourceName, broker.IsPaper, brokerAccounts);
    });

    [Description("Current balances of the user's bank accounts, with totals of cash, card/loan debt and investments.")]
    public Task<object> GetBalancesAsync(CancellationToken cancellationToken) => GuardAsync(async () =>
    {
        if (await NotLinkedAsync(cancellationToken) is { } notLinked)
        {
            return notLinked;
        }
        var accounts = await bank.GetAccountsAsync(context.UserId, cancellationToken);
        var totals = accounts.GroupBy(a => a.Currency, StringComparer.Ordinal).Select(g => new CurrencyTotal(
            g.Key,
            g.Where(a => a.Type == "depository").Sum(a => a.Current ?? 0m),
            g.Where(a => a.Type is "credit" or "loan").Sum(a => a.Current ?? 0m),
            g.Where(a => a.Type == "investment").Sum(a => a.Current ?? 0m))).ToList();
        return new BalancesResult(bank.SourceName, bank.IsDemo, accounts, totals, clock.GetUtcNow());
    });

    [Description("The user's bank transactions in a period, optionally filtered by category and merchant, with totals per category. Amounts: positive = money spent, negative = money received.")]
    public Task<object> GetTransactionsAsync(
        [Description("Period: 7d, 30d (default), 90d, this-month, last-month, a month like 2026-03, or 2026-03-01..2026-03-15.")] string? period = null,
        [Description("Only this category (case-insensitive, partial match), e.g. groceries, dining, rent.")] string? category = null,
        [Description("Only this merchant (case-insensitive, partial match), e.g. starbucks.")] string? merchant = null,
        [Description("How many transactions to list, newest first (1-50, default 15). Totals always cover all matches.")] int? limit = null,
        CancellationToken cancellationToken = default) => GuardAsync(async () =>
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        if (!TransactionPeriod.TryParse(period, today, out var from, out var to, out var error))
        {
            return new ToolError(error!);
        }
        if (await NotLinkedAsync(cancellationToken) is { } notLinked)
        {
            return notLinked;
        }
        category = string.IsNullOrWhiteSpace(category) ? null : category.Trim();
        merchant = string.IsNullOrWhiteSpace(merchant) ? null : merchant.Trim();
        var all = await bank.GetTransactionsAsync(context.UserId, from, to, cancellationToken);
        var matches = all
            .Where(t => category is null || (t.Category?.Contains(category, StringComparison.OrdinalIgnoreCase) ?? false))
            .Where(t => merchant is null || (t.Merchant ?? t.Name).Contains(merchant, StringComparison.OrdinalIgnoreCase))
            .ToList();
        var byCategory = matches.Where(t => t.Amount > 0)
            .GroupBy(t => t.Category ?? "Other", StringComparer.OrdinalIgnoreCase)
            .Select(g => new CategoryTotal(g.Key, g.Sum(t => t.Amount), g.Count()))
            .OrderByDescending(c => c.Spent).ToList();
        var take = Math.Clamp(limit ?? 15, 1, MaxListedTransactions);
        return new TransactionsResult(bank.SourceName, bank.IsDemo, from, to, category, merchant, matches.Count,
            matches.Where(t => t.Amount > 0).Sum(t => t.Amount), -matches.Where(t => t.Amount < 0).Sum(t => t.Amount),
            byCategory, matches.Take(take).ToList(), matches.Count > take);
    });

    [Description("The user's investment holdings: brokerage positions and cash, and securities held in bank investment accounts.")]
    public Task<object> GetHoldingsAsync(CancellationToken cancellationToken) => GuardAsync(async () =>
    {
        var positions = await broker.GetPositionsAsync(context.UserId, cancellationToken);
        var cash = await broker.GetCashAsync(context.UserId, cancellationToken);
        var bankHoldings = await bank.IsLinkedAsync(context.UserId, cancellationToken)
            ? await bank.GetHoldingsAsync(context.UserId, cancellationToken)
            : [];
        return new HoldingsResult(broker.SourceName, broker.IsPaper, cash, positions, bank.SourceName, bank.IsDemo, bankHoldings);
    });

    [Description("A quote (last, bid, ask) for a stock or ETF ticker symbol.")]
    public Task<object> GetQuoteAsync(
        [Description("Ticker symbol, e.g. AAPL.")] string symbol,
        CancellationToken cancellationToken = default) => GuardAsync(async () =>
    {
        var normalized = Symbols.Normalize(symbol);
        if (normalized is null)
        {
            return new ToolError($"'{symbol}' is not a ticker symbol. Try something like AAPL or VTI.");
        }
        var quote = await broker.GetQuoteAsync(normalized, cancellationToken);
        return new QuoteResult(quote.Symbol, quote.Last, quote.Bid, quote.Ask, quote.AsOf, broker.SourceName, broker is PaperBroker);
    });

    [Description("Previews a stock order without sending it: estimated price, cost, commission and warnings.")]
    public Task<object> PreviewOrderAsync(
        [Description("Ticker symbol, e.g. AAPL.")] string symbol,
        [Description("buy or sell.")] string side,
        [Description("Number of shares (positive).")] decimal quantity,
        [Description("Limit price; omit for a market order.")] decimal? limitPrice = null,
        [Description("day (default) or gtc.")] string? timeInForce = null,
        CancellationToken cancellationToken = default) => GuardAsync(async () =>
    {
        var normalized = Symbols.Normalize(symbol);
        if (normalized is null)
        {
            return new ToolError($"'{symbol}' is not a ticker symbol.");
        }
        OrderSide? parsedSide = side?.Trim().ToLowerInvariant() switch { "buy" => OrderSide.Buy, "sell" => OrderSide.Sell, _ => null };
        if (parsedSide is null)
        {
            return new ToolError("The side must be buy or sell.");
        }
        var tif = timeInForce?.Trim().ToLowerInvariant() is "gtc" ? TimeInForce.Gtc : TimeInForce.Day;
        var order = new OrderRequest(normalized, parsedSide.Value, quantity, limitPrice is null ? OrderType.Market : OrderType.Limit, limitPrice, tif);
        var preview = await broker.PreviewOrderAsync(context.UserId, order, cancellationToken);
        if (preview.Error is { } problem)
        {
            return new ToolError(problem);
        }
        return new OrderPreviewResult(broker.SourceName, broker.IsPaper, order.Symbol, order.Side, order.Quantity, order.Type, order.LimitPrice,
            preview.EstimatedPrice, preview.EstimatedNotional, preview.Commission, preview.Warnings);
    });

    [Description("Gives the user a one-time link to connect their bank (Plaid Link). With the demo bank, explains how to connect a real one.")]
    public Task<object> LinkBankAsync(
        [Description("Operators only: link a Plaid sandbox test bank directly, without a browser.")] bool sandbox = false,
        CancellationToken cancellationToken = default) => GuardAsync(async () =>
    {
        if (bank.IsDemo)
        {
            return new BankLinkResult(
                "You are using the **demo bank**: generated sample data, not a real bank. To connect a real bank, whoever runs this bot sets Plaid:ClientId and Plaid:Secret; then `/link bank` sends you a link.",
                null, null);
        }
        if (context.IsGroup)
        {
            return new ToolError("For your privacy, bank links are only sent in a private chat with me.");
        }
        if (sandbox)
        {
            if (!plaidOptions.Value.AllowsSandboxLinking || bank is not PlaidBankProvider plaid)
            {
                return new ToolError("Sandbox linking is only available against Plaid's sandbox.");
            }
            var institution = await plaid.LinkSandboxAsync(context.UserId, cancellationToken);
            return new BankLinkResult($"Linked the Plaid sandbox test bank ({institution ?? PlaidBankProvider.SandboxInstitution}).", null, null);
        }
        var link = await links.CreateAsync(context.UserId, null, cancellationToken);
        return new BankLinkResult("Open this link to connect your bank through Plaid. It works once.", link.Url, link.ExpiresAt);
    });

    private async Task<ToolError?> NotLinkedAsync(CancellationToken cancellationToken) =>
        await bank.IsLinkedAsync(context.UserId, cancellationToken)
            ? null
            : new ToolError("No bank is connected yet. Send `/link bank` to connect one.");

    /// <summary>The tools' error boundary: provider failures become messages that say what to do.</summary>
    private async Task<object> GuardAsync(Func<Task<object>> run)
    {
        try
        {
            return await run();
        }
        catch (PlaidApiException exception)
        {
            var advice = PlaidErrorAdvice.For(exception);
            if (advice.Remedy == PlaidRemedy.Relink && exception.BankItemId is { } itemId && !context.IsGroup)
            {
                var link = await links.CreateAsync(context.UserId, itemId, CancellationToken.None);
                return new ToolError($"{advice.Message} Reconnect here (works once, for {plaidOptions.Value.LinkMinutes} minutes): {link.Url}");
            }
            return new ToolError(advice.Message);
        }
        catch (PlaidTransportException exception)
        {
            LogProviderDown(logger, "Plaid", exception.Message);
            return new ToolError("The bank data service cannot be reached right now. Please try again in a few minutes.");
        }
        catch (IbkrApiException exception) when (exception.Status is 401 or 403)
        {
            return new ToolError("The Interactive Brokers gateway is not logged in, so I cannot reach the brokerage account. Whoever runs the bot needs to log in to the gateway again.");
        }
        catch (IbkrApiException exception) when (exception.Status == 429)
        {
            return new ToolError("Interactive Brokers is limiting requests right now. Please try again in a minute.");
        }
        catch (IbkrApiException exception)
        {
            return new ToolError($"Interactive Brokers refused: {exception.Error}");
        }
        catch (IbkrTransportException exception)
        {
            LogProviderDown(logger, "IBKR", exception.Message);
            return new ToolError("The brokerage gateway cannot be reached right now. Please try again in a few minutes.");
        }
        catch (UnknownSymbolException exception)
        {
            return new ToolError($"I can't find a stock or ETF with the symbol {exception.Symbol}.");
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogToolFailed(logger, exception);
            return new ToolError("Something went wrong on my side while getting that. Please try again.");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Provider} is unreachable: {Reason}")]
    private static partial void LogProviderDown(ILogger logger, string provider, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "A finance tool failed")]
    private static partial void LogToolFailed(ILogger logger, Exception exception);
}
