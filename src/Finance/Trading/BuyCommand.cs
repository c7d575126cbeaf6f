using Bot.Agent.Commands;
using Bot.Finance.Broker;
using Bot.Pipeline.Model;
using Bot.Pipeline;
using Bot.Pipeline.Actions;

namespace Bot.Finance.Trading;

public sealed class BuyCommand(PlanProposer proposer) : IChatCommand
{
    public string Name => "/buy";
    public string Usage => "/buy 10 AAPL limit 190";
    public string Summary => "proposes a plan to buy (several orders: separate them with commas); nothing happens until you approve";
    public int Order => 30;

    public Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken) =>
        TradeCommand.RunAsync(proposer, turn, OrderSide.Buy, argument, cancellationToken);
}
