using System.Text.Json.Nodes;
using Bot.Pipeline.Model;
using Bot.Pipeline;
using Bot.Pipeline.Threads;
using Bot.Finance.Trading;
using Bot.Channels.BotFramework;
using Bot.Storage.Entities;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bot.Channels.Teams;

/// <summary>
/// <c>Action.Execute</c> on a plan card. Teams waits for the updated card in the invoke response, so the decision runs
/// in the request (the plan's state transition keeps it exactly-once however often Teams retries). Then the click is
/// recorded like any inbound event, already answered: the user's action and the outcome go into the card's thread and
/// the inbox row is done, so no turn runs it again; a retried invoke is a duplicate. In the same transaction the card
/// message itself is queued for an update through the connector: the invoke response only redraws the card for the
/// person who clicked, and everyone else in the chat must see the outcome without live buttons too.
/// </summary>
internal static class TeamsCardActions
{
    private const string UnknownButton = "That button is not one I know any more, so nothing was done.";
    private const string NotTheOwner = "Sorry, only the person this plan was made for can approve or decline it. Nothing was changed.";

    public static async Task<IResult> HandleAsync(IServiceProvider services, Activity activity, TimeProvider clock, ILogger logger, CancellationToken cancellationToken)
    {
        if (TeamsMapper.CardAction(activity) is not { } cardAction || TeamsMapper.UserId(activity) is not { } platformUser)
        {
            return Results.Json(TeamsMapper.MessageResponse(UnknownButton));
        }
        var args = cardAction.Action.Data.TryGetValue("args", out var a) ? a.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
        PlanDecision? decision = args.Length == 3 ? args[0] switch { "approve" => PlanDecision.Approve, "decline" => PlanDecision.Decline, _ => null } : null;
        if (cardAction.Action.Name != PlanCards.Command || decision is null)
        {
            return Results.Json(TeamsMapper.MessageResponse(UnknownButton));
        }

        // Decide first: the record below cannot undo or repeat what the plan's state transition did.
        var plans = services.GetRequiredService<TradePlanService>();
        var userId = await services.GetRequiredService<ThreadQueries>().UserForIdentityAsync(TeamsMapper.ChannelName, platformUser, cancellationToken);
        var result = userId is { } actor
            ? await plans.DecideAsync(args[1], actor, decision.Value, args[2], cancellationToken)
            : new DecisionResult(false, NotTheOwner, null);
        TeamsLog.CardAction(logger, cardAction.Verb, args[1], result.Changed);

        await RecordAsync(services, activity, cardAction, result, plans.IsPaper, clock.GetUtcNow(), logger, args[1]);

        if (result.Plan is not { } plan)
        {
            return Results.Json(TeamsMapper.MessageResponse(result.Message));
        }
        var card = PlanAdaptiveCard.Build(PlanCards.Build(plan, plans.IsPaper), universalActions: true);
        if (!result.Changed)
        {
            // Refused or already decided: the card shows the plan as it stands, with the reason on top.
            ((JsonArray)card["body"]!).Insert(0, new JsonObject
            {
                ["type"] = "TextBlock", ["text"] = result.Message, ["wrap"] = true, ["color"] = "Attention",
            });
        }
        return Results.Json(TeamsMapper.CardResponse(card));
    }

    /// <summary>
    /// Best effort after the decision: a failure is logged and the invoke still answers with the truthful card. The
    /// request's cancellation is not passed on (Teams giving up on the invoke must not lose the record of a decision).
    /// </summary>
    private static async Task RecordAsync(IServiceProvider services, Activity activity, TeamsCardAction cardAction, DecisionResult result, bool isPaper,
        DateTimeOffset now, ILogger logger, string shortId)
    {
        if (TeamsMapper.CardActionIncoming(activity, cardAction, now) is not { } incoming)
        {
            return;
        }
        var alsoQueue = new List<QueuedOutgoing>();
        if (result.Plan is { Status: not (TradePlanStatus.Proposed or TradePlanStatus.Approved or TradePlanStatus.Submitting), CardOutboxId: { } cardId } plan)
        {
            // A settled plan's card (the one clicked, or a stale copy someone still sees with buttons) is redrawn for
            // everybody. A plan still being sent is left to whoever sends it: that one redraws it when it is done.
            var card = PlanCards.Build(plan, isPaper);
            var redraw = new OutgoingMessage { Kind = OutgoingKind.Update, Replaces = cardId, Text = PlanCards.Markdown(card), Plan = card };
            alsoQueue.Add(new QueuedOutgoing(plan.ThreadId, plan.ConversationId, TeamsMapper.ChannelName, redraw));
        }
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            // The redraw commits with the record (and wakes the senders after it), so it is queued exactly once.
            await services.GetRequiredService<InboxRecorder>().RecordAnsweredAsync(incoming with { HandledOutcome = result.Message }, alsoQueue, timeout.Token);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            TeamsLog.CardActionNotRecorded(logger, exception, cardAction.Verb, shortId);
        }
    }
}
