using Bot.Agent.Commands;
using Bot.Finance.Tools;
using Bot.Agent.Tools;
using Microsoft.Extensions.AI;
using Bot.Pipeline;

namespace Bot.Finance.Commands;

public sealed class TransactionsCommand(FinanceToolProvider tools) : FinanceCommand(tools)
{
    public override string Name => "/transactions";

    public override bool IndependentOfEarlierTurns => true;
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
