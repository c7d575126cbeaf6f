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
