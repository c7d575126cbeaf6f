using Bot.Channels.Access;
using Bot.Channels.BotFramework;
using Bot.Channels.Inbound;
using Bot.Pipeline.Actions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bot.Channels.Teams;

/// <summary>
/// <c>/api/messages</c> as a door of the <see cref="InboundSeam"/>: messages and the bot's arrival are recorded and
/// answered 202; a card's <c>Action.Execute</c> is decided in the request (Teams waits for the redrawn card); anything
/// else is acknowledged and not kept. Refusals are 4xx problems: the Bot Framework does not retry a 4xx.
/// </summary>
internal sealed class TeamsInbound(TeamsOptions options, CardActionRouter router, TimeProvider clock, ILogger logger) : IInboundEndpoint<Activity>
{
    public long MaxBodyBytes => options.MaxActivityBytes;

    // The BotFramework policy verified the token (a header) before the handler ran and before the body was read.
    public ValueTask<IResult?> VerifyHeadersAsync(HttpContext context, CancellationToken cancellationToken) => ValueTask.FromResult<IResult?>(null);

    public IResult? VerifyBody(HttpContext context, byte[] body) => null;

    public InboundParse<Activity> Parse(byte[] body) => InboundJson.Parse<Activity>(body, ActivityJson.Options, "an activity object");

    public ValueTask<InboundMapping> MapAsync(HttpContext context, Activity activity, CancellationToken cancellationToken)
    {
        // The claim that names the activity's serviceUrl can only be compared here, where the body is; nothing the
        // activity says is acted on before this.
        if (options.RequiresAuthentication && !BotFrameworkAuthentication.ServiceUrlMatches(context.User, activity.ServiceUrl))
        {
            TeamsLog.Refused(logger, "serviceUrl does not match the token");
            return ValueTask.FromResult(InboundMapping.Answer(Results.Unauthorized()));
        }
        var now = clock.GetUtcNow();
        var mapping = activity.Type switch
        {
            Activity.Types.Message => TeamsMapper.ToIncoming(activity, now) is { } message ? InboundMapping.Record(message) : InboundMapping.Ignore(),
            Activity.Types.ConversationUpdate when TeamsMapper.BotWasAdded(activity) =>
                TeamsMapper.Welcome(activity, now) is { } welcome ? InboundMapping.Record(welcome) : InboundMapping.Ignore(),
            Activity.Types.Invoke when activity.Name == TeamsMapper.InvokeCardAction =>
                InboundMapping.ActNow(ct => TeamsCardActions.HandleAsync(router, activity, clock, ct)),
            // Not a 501: nothing is broken on this side; the bot simply takes no other invoke.
            Activity.Types.Invoke => InboundMapping.Answer(Refusals.Problem(context, StatusCodes.Status400BadRequest, "the only invoke this bot takes is " + TeamsMapper.InvokeCardAction)),
            _ => Ignored(activity),
        };
        return ValueTask.FromResult(mapping);
    }

    public ValueTask<IResult> AcknowledgeAsync(HttpContext context, Activity? activity, InboundOutcome outcome, CancellationToken cancellationToken) =>
        ValueTask.FromResult(outcome.Result switch
        {
            // Persisted, then answered: once Teams has its 202 the message survives a crash; a redelivery is a duplicate.
            InboundResult.Recorded or InboundResult.Duplicate => Results.Accepted(),
            InboundResult.Answered => outcome.Response!,
            InboundResult.Refused => Refusals.Problem(context, outcome.Status, outcome.Reason!),
            _ => Results.Ok(),
        });

    /// <summary>installationUpdate, typing, reactions: acknowledged, nothing to keep.</summary>
    private InboundMapping Ignored(Activity activity)
    {
        TeamsLog.Ignored(logger, activity.Type ?? "(none)");
        return InboundMapping.Ignore();
    }
}
