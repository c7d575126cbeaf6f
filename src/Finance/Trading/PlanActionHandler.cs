using Bot.Pipeline.Actions;
using Bot.Storage.Entities;

namespace Bot.Finance.Trading;

/// <summary>
/// The Approve and Decline buttons of a plan card (<c>/plan approve|decline SHORTID HASH</c>), on every channel and
/// typed. The decision itself is <see cref="TradePlanService.DecideAsync"/>: owner only, bound to the snapshot hash,
/// exactly once.
/// </summary>
public sealed class PlanActionHandler(TradePlanService plans) : ICardActionHandler
{
    public const string UseTheButtons = "Use the **Approve** or **Decline** button on a plan's card.";

    public string Action => PlanCards.Command;

    public async Task<CardActionResult> HandleAsync(CardActionRequest request, CancellationToken cancellationToken)
    {
        var parts = request.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        PlanDecision? decision = parts.Length == 3
            ? parts[0].ToLowerInvariant() switch { "approve" => PlanDecision.Approve, "decline" => PlanDecision.Decline, _ => null }
            : null;
        if (decision is null)
        {
            return new CardActionResult(request.Synchronous ? CardActionRouter.UnknownButton : UseTheButtons);
        }
        var result = await plans.DecideAsync(parts[1], request.UserId, decision.Value, parts[2], cancellationToken);
        if (result.Plan is not { } plan)
        {
            return new CardActionResult(result.Message);
        }
        var card = PlanCards.Build(plan, plans.IsPaper);
        return new CardActionResult(
            result.Message,
            // Refused or already decided: the card shows the plan as it stands, with the reason on top.
            Card: result.Changed ? card : card with { Notice = result.Message },
            Redraw: ShouldRedraw(request, result, plan) ? new CardRedraw(plan.CardOutboxId!.Value, plan.ThreadId, plan.ConversationId, card) : null);
    }

    /// <summary>
    /// In a turn, a decision that changed the plan redraws its card. Answered in the request (Teams), the clicker's card
    /// is redrawn by the answer itself, so the message is redrawn for everyone once the plan is settled, even when this
    /// click changed nothing (someone may still see a stale copy with buttons). A plan still being sent is left to
    /// whoever sends it: that one redraws it when it is done.
    /// </summary>
    private static bool ShouldRedraw(CardActionRequest request, DecisionResult result, TradePlan plan) =>
        plan.CardOutboxId is not null && (request.Synchronous
            ? plan.Status is not (TradePlanStatus.Proposed or TradePlanStatus.Approved or TradePlanStatus.Submitting)
            : result.Changed);
}
