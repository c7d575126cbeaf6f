using Bot.Agent.Commands;
using Bot.Finance.Tools;
using Bot.Agent.Tools;
using Microsoft.Extensions.AI;
using Bot.Pipeline;

namespace Bot.Finance.Commands;

public sealed class BalancesCommand(FinanceToolProvider tools) : FinanceCommand(tools)
{
    public override string Name => "/balances";

    public override bool IndependentOfEarlierTurns => true;
    public override string Usage => "/balances";
    public override string Summary => "shows your bank account balances";
    public override int Order => 20;

    public override async Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken) =>
        Reply<BalancesResult>(turn, await InvokeAsync(turn, FinanceToolProvider.GetBalances, new Dictionary<string, object?>(), cancellationToken), FinanceMarkdown.Balances);
}
