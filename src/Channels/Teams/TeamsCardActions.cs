using Bot.Channels.BotFramework;
using Bot.Pipeline.Actions;
using Microsoft.AspNetCore.Http;

namespace Bot.Channels.Teams;

/// <summary>
/// <c>Action.Execute</c> on a card. Teams waits for the updated card in the invoke response, so the press is handed to
/// <see cref="CardActionRouter.HandleNowAsync"/>, which runs the action's handler in the request (the handler's own
/// state transition keeps it exactly-once however often Teams retries) and records the press and its outcome in the
/// card's thread. The invoke response redraws the card only for the person who clicked; the handler's redraw, queued
/// with the record, shows everyone else the outcome without live buttons.
/// </summary>
internal static class TeamsCardActions
{
    public static async Task<IResult> HandleAsync(CardActionRouter router, Activity activity, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (TeamsMapper.CardAction(activity) is not { } cardAction
            || TeamsMapper.CardActionIncoming(activity, cardAction, clock.GetUtcNow()) is not { } press)
        {
            return Results.Json(TeamsMapper.MessageResponse(CardActionRouter.UnknownButton));
        }
        var result = await router.HandleNowAsync(press, cancellationToken);
        return result.Card is { } card
            ? Results.Json(TeamsMapper.CardResponse(AdaptiveCardRenderer.Build(card, universalActions: true)))
            : Results.Json(TeamsMapper.MessageResponse(result.Message));
    }
}
