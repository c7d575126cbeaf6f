using Bot.Channels.Access;
using Bot.Channels.Inbound;
using Bot.Pipeline.Actions;
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

    private static Task<IResult> PostActivityAsync(
        HttpContext context,
        IOptions<TeamsOptions> options,
        InboundSeam seam,
        CardActionRouter router,
        TimeProvider clock,
        ILoggerFactory loggers,
        CancellationToken cancellationToken) =>
        seam.HandleAsync(context, new TeamsInbound(options.Value, router, clock, loggers.CreateLogger(typeof(TeamsEndpoints).FullName!)), cancellationToken);
}
