using System.Text.Json;
using Bot.Pipeline.Model;
using Bot.Pipeline;
using Bot.Pipeline.Threads;
using Bot.Pipeline.Actions;
using Bot.Channels.Access;
using Bot.Channels.BotFramework;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bot.Channels.Teams;

/// <summary>
/// <c>/api/messages</c>: the Bot Framework endpoint Teams posts activities to, behind the
/// <see cref="AccessPolicies.BotFramework"/> policy (<see cref="BotFrameworkAuthentication"/>).
/// </summary>
public static class TeamsEndpoints
{
    public static IEndpointRouteBuilder MapTeams(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetService(typeof(IOptions<TeamsOptions>)) is IOptions<TeamsOptions> { Value.IsOn: true })
        {
            app.MapPost("/api/messages", PostActivityAsync).RequireAuthorization(AccessPolicies.BotFramework).ExcludeFromDescription();
        }
        return app;
    }

    private static async Task<IResult> PostActivityAsync(
        HttpContext context,
        IOptions<TeamsOptions> options,
        InboxRecorder recorder,
        CardActionRouter router,
        TimeProvider clock,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(TeamsEndpoints).FullName!);
        var settings = options.Value;
        if (context.Request.ContentLength > settings.MaxActivityBytes)
        {
            return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }
        Activity? activity;
        try
        {
            activity = await JsonSerializer.DeserializeAsync<Activity>(context.Request.Body, ActivityJson.Options, cancellationToken);
        }
        catch (JsonException)
        {
            return Results.BadRequest();
        }
        if (activity is null)
        {
            return Results.BadRequest();
        }

        // The policy verified the token before the body was read; the claim that names the activity's serviceUrl can
        // only be compared here, where the body is. Nothing the activity says is acted on before this.
        if (settings.RequiresAuthentication && !BotFrameworkAuthentication.ServiceUrlMatches(context.User, activity.ServiceUrl))
        {
            TeamsLog.Refused(logger, "serviceUrl does not match the token");
            return Results.Unauthorized();
        }

        var now = clock.GetUtcNow();
        switch (activity.Type)
        {
            case Activity.Types.Message:
                return await RecordAsync(recorder, TeamsMapper.ToIncoming(activity, now), cancellationToken);
            case Activity.Types.ConversationUpdate when TeamsMapper.BotWasAdded(activity):
                return await RecordAsync(recorder, TeamsMapper.Welcome(activity, now), cancellationToken);
            case Activity.Types.Invoke when activity.Name == TeamsMapper.InvokeCardAction:
                return await TeamsCardActions.HandleAsync(router, activity, clock, cancellationToken);
            case Activity.Types.Invoke:
                return Results.Json(new { status = 501 }, statusCode: StatusCodes.Status501NotImplemented);
            default:
                // installationUpdate, typing, reactions: acknowledged, nothing to keep.
                TeamsLog.Ignored(logger, activity.Type ?? "(none)");
                return Results.Ok();
        }
    }

    private static async Task<IResult> RecordAsync(InboxRecorder recorder, IncomingMessage? incoming, CancellationToken cancellationToken)
    {
        if (incoming is null)
        {
            return Results.Ok();
        }
        // Persist, then answer: once Teams has its 202 the message survives a crash; a redelivery is a duplicate.
        await recorder.RecordAsync(incoming, cancellationToken);
        return Results.Accepted();
    }
}
