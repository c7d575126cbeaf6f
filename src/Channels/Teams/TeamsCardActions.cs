using Bot.Agent.Threads;
using Bot.Agent.Trading;
using Bot.Channels.BotFramework;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bot.Channels.Teams;

/// <summary>
/// <c>Action.Execute</c> on a plan card: Teams waits for the updated card in the invoke response, so the decision
/// runs in the request (the plan's state transition keeps it exactly-once however often Teams retries).
/// </summary>
internal static class TeamsCardActions
{
    public static async Task<IResult> HandleAsync(IServiceProvider services, Activity activity, ILogger logger, CancellationToken cancellationToken)
    {
        if (TeamsMapper.CardAction(activity) is not { } cardAction || TeamsMapper.UserId(activity) is not { } platformUser)
        {
            return Results.Json(TeamsMapper.MessageResponse("That button is not one I know any more, so nothing was done."));
        }
        var args = cardAction.Action.Data.TryGetValue("args", out var a) ? a.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
        PlanDecision? decision = args.Length == 3 ? args[0] switch { "approve" => PlanDecision.Approve, "decline" => PlanDecision.Decline, _ => null } : null;
        if (cardAction.Action.Name != PlanCards.Command || decision is null)
        {
            return Results.Json(TeamsMapper.MessageResponse("That button is not one I know any more, so nothing was done."));
        }

        var queries = services.GetRequiredService<ThreadQueries>();
        var plans = services.GetRequiredService<TradePlanService>();
        if (await queries.UserForIdentityAsync(TeamsMapper.ChannelName, platformUser, cancellationToken) is not { } userId)
        {
            return Results.Json(TeamsMapper.MessageResponse("Sorry, only the person this plan was made for can approve or decline it. Nothing was changed."));
        }
        var result = await plans.DecideAsync(args[1], userId, decision.Value, args[2], cancellationToken);
        TeamsLog.CardAction(logger, cardAction.Verb, args[1], result.Changed);
        if (result.Plan is not { } plan)
        {
            return Results.Json(TeamsMapper.MessageResponse(result.Message));
        }
        var card = PlanAdaptiveCard.Build(PlanCards.Build(plan, plans.IsPaper), universalActions: true);
        if (!result.Changed)
        {
            // Refused or already decided: the card shows the plan as it stands, with the reason on top.
            ((System.Text.Json.Nodes.JsonArray)card["body"]!).Insert(0, new System.Text.Json.Nodes.JsonObject
            {
                ["type"] = "TextBlock", ["text"] = result.Message, ["wrap"] = true, ["color"] = "Attention",
            });
        }
        return Results.Json(TeamsMapper.CardResponse(card));
    }
}
