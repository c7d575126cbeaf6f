using Bot.Agent.Commands;
using Bot.Finance.Broker;
using Bot.Pipeline.Model;
using Bot.Pipeline;
using Bot.Pipeline.Actions;

namespace Bot.Finance.Trading;

/// <summary>Proposes a plan from parsed orders and shows its card; shared by /buy, /sell and the model's tool.</summary>
public sealed class PlanProposer(TradePlanService plans)
{
    public async Task<ProposalResult> ProposeAndShowAsync(TurnContext turn, IReadOnlyList<OrderRequest> orders, string rationale, CancellationToken cancellationToken)
    {
        var cardId = Guid.CreateVersion7();
        var result = await plans.ProposeAsync(turn.UserId, turn.Thread.Id, turn.Conversation.Id, turn.TurnId, turn.NextOrdinal(), orders, rationale, cardId, cancellationToken);
        if (result.Plan is { } plan)
        {
            var card = PlanCards.Build(plan, plans.IsPaper);
            turn.Reply(CardMarkdown.Render(card), card: card, id: cardId);
        }
        return result;
    }

    public static string Refusal(ProposalResult result) =>
        result.Error ?? "I can't propose that plan: " + string.Join(" ", result.Verdict.Refusals);
}

public sealed class BuyCommand(PlanProposer proposer) : IChatCommand
{
    public string Name => "/buy";
    public string Usage => "/buy 10 AAPL limit 190";
    public string Summary => "proposes a plan to buy (several orders: separate them with commas); nothing happens until you approve";
    public int Order => 30;

    public Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken) =>
        TradeCommand.RunAsync(proposer, turn, OrderSide.Buy, argument, cancellationToken);
}

public sealed class SellCommand(PlanProposer proposer) : IChatCommand
{
    public string Name => "/sell";
    public string Usage => "/sell 5 MSFT limit 410";
    public string Summary => "proposes a plan to sell; nothing happens until you approve";
    public int Order => 31;

    public Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken) =>
        TradeCommand.RunAsync(proposer, turn, OrderSide.Sell, argument, cancellationToken);
}

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

/// <summary><c>/plan approve|decline ID HASH</c> typed: the same as pressing the card's button.</summary>
public sealed class PlanCommand(PlanActionHandler handler) : IChatCommand
{
    public string Name => PlanCards.Command;
    public string Usage => "/plan approve|decline ID";
    public string Summary => "what a plan card's buttons do (use the buttons)";
    public int Order => 32;

    public async Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken)
    {
        var press = new ActionInvoke(Name, new Dictionary<string, string> { [ActionInvoke.ArgumentsKey] = argument });
        CardActionRouter.Apply(turn, await handler.HandleAsync(new CardActionRequest(press, turn.UserId, turn.Message, Synchronous: false), cancellationToken));
    }
}
