using Bot.Agent.Commands;
using Bot.Finance.Tools;
using Bot.Agent.Tools;
using Microsoft.Extensions.AI;
using Bot.Pipeline;

namespace Bot.Finance.Commands;

public sealed class PortfolioCommand(FinanceToolProvider tools) : FinanceCommand(tools)
{
    public override string Name => "/portfolio";

    public override bool IndependentOfEarlierTurns => true;
    public override string Usage => "/portfolio";
    public override string Summary => "shows your brokerage positions, cash and bank investment holdings";
    public override int Order => 22;

    public override async Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken) =>
        Reply<HoldingsResult>(turn, await InvokeAsync(turn, FinanceToolProvider.GetHoldings, new Dictionary<string, object?>(), cancellationToken), FinanceMarkdown.Holdings);
}
