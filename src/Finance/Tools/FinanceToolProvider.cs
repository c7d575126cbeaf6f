using Bot.Finance.Bank;
using Bot.Finance.Broker;
using Bot.Finance.Plaid;
using Bot.Agent.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bot.Finance.Tools;

/// <summary>
/// Contributes the bank and broker tools. Each <see cref="AIFunction"/> closes over the turn's
/// <see cref="ToolContext"/>, so the user a tool acts for is never a model argument. Results are returned as the
/// records themselves (the model loop serializes them; commands format them).
/// </summary>
public sealed class FinanceToolProvider(
    IBankProvider bank,
    IBrokerProvider broker,
    BankLinks links,
    IOptions<PlaidOptions> plaidOptions,
    TimeProvider clock,
    ILogger<FinanceTools> logger) : IToolProvider
{
    public const string GetAccounts = "get_accounts";
    public const string GetBalances = "get_balances";
    public const string GetTransactions = "get_transactions";
    public const string GetHoldings = "get_holdings";
    public const string GetQuote = "get_quote";
    public const string PreviewOrder = "preview_order";
    public const string LinkBank = "link_bank";

    public IEnumerable<AIFunction> GetTools(ToolContext context)
    {
        var tools = new FinanceTools(context, bank, broker, links, plaidOptions, clock, logger);
        yield return Create(tools.GetAccountsAsync, GetAccounts);
        yield return Create(tools.GetBalancesAsync, GetBalances);
        yield return Create(tools.GetTransactionsAsync, GetTransactions);
        yield return Create(tools.GetHoldingsAsync, GetHoldings);
        yield return Create(tools.GetQuoteAsync, GetQuote);
        yield return Create(tools.PreviewOrderAsync, PreviewOrder);
        yield return Create(tools.LinkBankAsync, LinkBank);
    }

    private static AIFunction Create(Delegate method, string name) => AIFunctionFactory.Create(method, new AIFunctionFactoryOptions
    {
        Name = name,
        MarshalResult = static (result, _, _) => new ValueTask<object?>(result),
    });
}
