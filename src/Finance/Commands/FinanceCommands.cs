using Bot.Agent.Commands;
using Bot.Finance.Tools;
using Bot.Agent.Tools;
using Microsoft.Extensions.AI;
using Bot.Pipeline;

namespace Bot.Finance.Commands;

/// <summary>
/// The base of the finance commands: each runs the very <see cref="AIFunction"/> the language model would call
/// (through <see cref="AIFunction.InvokeAsync"/>), then formats the record it returns, or says the tool's error.
/// </summary>
public abstract class FinanceCommand(FinanceToolProvider tools) : IChatCommand
{
    public abstract string Name { get; }
    public abstract string Usage { get; }
    public abstract string Summary { get; }
    public virtual int Order => 20;

    public abstract Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken);

    protected async Task<object?> InvokeAsync(TurnContext turn, string tool, IDictionary<string, object?> arguments, CancellationToken cancellationToken)
    {
        var function = tools.GetTools(ToolContext.For(turn)).Single(f => f.Name == tool);
        return await function.InvokeAsync(new AIFunctionArguments(arguments), cancellationToken);
    }

    /// <summary>Replies with the formatted result, or with the tool's error in plain words.</summary>
    protected static void Reply<T>(TurnContext turn, object? result, Func<T, string> format) where T : class => turn.Reply(result switch
    {
        T value => format(value),
        ToolError error => error.Error,
        _ => "Sorry, I could not get that right now.",
    });
}

public sealed class BalancesCommand(FinanceToolProvider tools) : FinanceCommand(tools)
{
    public override string Name => "/balances";
    public override string Usage => "/balances";
    public override string Summary => "shows your bank account balances";
    public override int Order => 20;

    public override async Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken) =>
        Reply<BalancesResult>(turn, await InvokeAsync(turn, FinanceToolProvider.GetBalances, new Dictionary<string, object?>(), cancellationToken), FinanceMarkdown.Balances);
}

public sealed class TransactionsCommand(FinanceToolProvider tools) : FinanceCommand(tools)
{
    public override string Name => "/transactions";
    public override string Usage => "/transactions [30d|90d|this-month|last-month|2026-03] [category:NAME] [merchant:NAME]";
    public override string Summary => "lists your recent bank transactions, with totals per category";
    public override int Order => 21;

    public override async Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken)
    {
        if (!TransactionFilters.TryParse(argument, out var filters, out var error))
        {
            turn.Reply($"{error}\n\nUsage: `{Usage}`");
            return;
        }
        var result = await InvokeAsync(turn, FinanceToolProvider.GetTransactions, new Dictionary<string, object?>
        {
            ["period"] = filters.Period,
            ["category"] = filters.Category,
            ["merchant"] = filters.Merchant,
        }, cancellationToken);
        Reply<TransactionsResult>(turn, result, FinanceMarkdown.Transactions);
    }
}

public sealed class PortfolioCommand(FinanceToolProvider tools) : FinanceCommand(tools)
{
    public override string Name => "/portfolio";
    public override string Usage => "/portfolio";
    public override string Summary => "shows your brokerage positions, cash and bank investment holdings";
    public override int Order => 22;

    public override async Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken) =>
        Reply<HoldingsResult>(turn, await InvokeAsync(turn, FinanceToolProvider.GetHoldings, new Dictionary<string, object?>(), cancellationToken), FinanceMarkdown.Holdings);
}

public sealed class QuoteCommand(FinanceToolProvider tools) : FinanceCommand(tools)
{
    public override string Name => "/quote";
    public override string Usage => "/quote SYMBOL";
    public override string Summary => "shows a quote for a stock or ETF";
    public override int Order => 23;

    public override async Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(argument))
        {
            turn.Reply("Which symbol? For example `/quote AAPL`.");
            return;
        }
        var symbol = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        Reply<QuoteResult>(turn, await InvokeAsync(turn, FinanceToolProvider.GetQuote, new Dictionary<string, object?> { ["symbol"] = symbol }, cancellationToken), FinanceMarkdown.Quote);
    }
}

public sealed class LinkCommand(FinanceToolProvider tools) : FinanceCommand(tools)
{
    public override string Name => "/link";
    public override string Usage => "/link bank";
    public override string Summary => "sends you a one-time link to connect your bank";
    public override int Order => 24;

    public override async Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken)
    {
        var words = argument.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0 || words[0] != "bank")
        {
            turn.Reply("Use `/link bank` to connect a bank account.");
            return;
        }
        var sandbox = words.Length > 1 && words[1] == "sandbox";
        var result = await InvokeAsync(turn, FinanceToolProvider.LinkBank, new Dictionary<string, object?> { ["sandbox"] = sandbox }, cancellationToken);
        Reply<BankLinkResult>(turn, result, link => link.Url is null
            ? link.Message
            : $"{link.Message}\n\n[Connect your bank]({link.Url})\n\nThe link expires at {link.ExpiresAt!.Value.UtcDateTime:HH:mm} UTC.");
    }
}
