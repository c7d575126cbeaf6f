using Bot.Agent.Commands;
using Bot.Finance.Broker;
using Bot.Pipeline.Model;
using Bot.Pipeline;
using Bot.Pipeline.Actions;

namespace Bot.Finance.Trading;

internal static class TradeCommand
{
    public static async Task RunAsync(PlanProposer proposer, TurnContext turn, OrderSide side, string argument, CancellationToken cancellationToken)
    {
        var (orders, error) = OrderParser.Parse(side, argument);
        if (error is not null)
        {
            turn.Reply(error);
            return;
        }
        var result = await proposer.ProposeAndShowAsync(turn, orders, $"You asked for this with /{side.ToString().ToLowerInvariant()}.", cancellationToken);
        if (result.Plan is null)
        {
            turn.Reply(PlanProposer.Refusal(result));
        }
    }
}
