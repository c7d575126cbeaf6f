using Bot.Agent.Commands;
using Bot.Finance.Broker;
using Bot.Pipeline.Model;
using Bot.Pipeline;
using Bot.Pipeline.Actions;

namespace Bot.Finance.Trading;

public sealed class SellCommand(PlanProposer proposer) : IChatCommand
{
    public string Name => "/sell";
    public string Usage => "/sell 5 MSFT limit 410";
    public string Summary => "proposes a plan to sell; nothing happens until you approve";
    public int Order => 31;

    public Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken) =>
        TradeCommand.RunAsync(proposer, turn, OrderSide.Sell, argument, cancellationToken);
}
