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
        if (app.ServiceProvider.GetService(typeof(IOptions<TeamsOptions>)) is IOptions<TeamsOptions> { Value.IsOn: true } options)
        {
            // The bound is declared on the endpoint so it holds from the first byte: the token (a header) is checked by the
            // policy before the handler reads the body, and the server drains no more than this of a refused request.
            app.MapPost("/api/messages", PostActivityAsync).RequireAuthorization(AccessPolicies.BotFramework)
                .WithBodyLimit(options.Value.MaxActivityBytes).ExcludeFromDescription();
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
        var read = await RequestBodies.ReadAsync(context.Request, settings.MaxActivityBytes, cancellationToken);
        if (!read.Ok)
        {
            return Refusals.Problem(context, read.Status, read.Problem!);
        }
        if (RequestBodies.CheckJson(read.Bytes) is { } problem)
        {
            return Refusals.Problem(context, StatusCodes.Status400BadRequest, problem);
        }
        Activity? activity;
        try
        {
            activity = JsonSerializer.Deserialize<Activity>(read.Bytes!, ActivityJson.Options);
        }
        catch (Exception exception) when (RequestBodies.IsDeserializationError(exception))
        {
            return Refusals.Problem(context, StatusCodes.Status400BadRequest, RequestBodies.DescribeJsonError(exception));
        }
        if (activity is null)
        {
            return Refusals.Problem(context, StatusCodes.Status400BadRequest, "the body must be an activity object");
        }

        // The policy verified the token before the body was read; the claim that names the activity's serviceUrl can
        // only be compared here, where the body is. Nothing the activity says is acted on before this.
        if (settings.RequiresAuthentication && !BotFrameworkAuthentication.ServiceUrlMatches(context.User, activity.ServiceUrl))
        {
            TeamsLog.Refused(logger, "serviceUrl does not match the token");
            return Results.Unauthorized();
        }

        var now = clock.GetUtcNow();
        try
        {
            switch (activity.Type)
            {
                case Activity.Types.Message:
                    return await RecordAsync(recorder, TeamsMapper.ToIncoming(activity, now), cancellationToken);
                case Activity.Types.ConversationUpdate when TeamsMapper.BotWasAdded(activity):
                    return await RecordAsync(recorder, TeamsMapper.Welcome(activity, now), cancellationToken);
                case Activity.Types.Invoke when activity.Name == TeamsMapper.InvokeCardAction:
                    return await TeamsCardActions.HandleAsync(router, activity, clock, cancellationToken);
                case Activity.Types.Invoke:
                    // Not a 501: nothing is broken on this side; the bot simply takes no other invoke.
                    return Refusals.Problem(context, StatusCodes.Status400BadRequest, "the only invoke this bot takes is " + TeamsMapper.InvokeCardAction);
                default:
                    // installationUpdate, typing, reactions: acknowledged, nothing to keep.
                    TeamsLog.Ignored(logger, activity.Type ?? "(none)");
                    return Results.Ok();
            }
        }
        catch (InboundRefusedException refused)
        {
            // An id out of bounds or a field the Bot Framework could not have sent: nothing was recorded.
            return Refusals.Problem(context, StatusCodes.Status400BadRequest, refused.Reason);
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
