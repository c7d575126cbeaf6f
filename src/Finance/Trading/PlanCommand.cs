using Bot.Agent.Commands;
using Bot.Finance.Broker;
using Bot.Pipeline.Model;
using Bot.Pipeline;
using Bot.Pipeline.Actions;

namespace Bot.Finance.Trading;

/// <summary><c>/plan approve|decline ID HASH</c> typed: the same as pressing the card's button.</summary>
public sealed class PlanCommand(PlanActionHandler handler) : IChatCommand
{
    public string Name => PlanCards.Command;
    public string Usage => "/plan approve|decline ID";
    public string Summary => "what a plan card's buttons do (use the buttons)";
    public int Order => 32;

    /// <summary>The card's buttons send it (with the plan's hash); typed from memory it can only say "use the buttons".</summary>
    public bool Listed => false;

    public async Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken)
    {
        var press = new ActionInvoke(Name, new Dictionary<string, string> { [ActionInvoke.ArgumentsKey] = argument });
        CardActionRouter.Apply(turn, await handler.HandleAsync(new CardActionRequest(press, turn.UserId, turn.Message, Synchronous: false), cancellationToken));
    }
}
