using Bot.Channels.Access;
using Bot.Channels.Web;
using Bot.Pipeline.Threads;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Bot.Channels.Teams;

/// <summary>
/// <c>POST /auth/teams</c>: the web app shown as a Teams personal tab signs its person in with the tab's SSO token
/// (<see cref="TeamsTabAuthentication"/>, behind the <see cref="AccessPolicies.TeamsTab"/> policy). The token's
/// <c>oid</c> must be a Teams account the bot knows (the person has chatted with it), and signs in as its person.
/// </summary>
public static class TeamsTabEndpoints
{
    public const string Path = "/auth/teams";

    public static IEndpointRouteBuilder MapTeamsTab(this IEndpointRouteBuilder endpoints)
    {
        if (endpoints.ServiceProvider.GetRequiredService<IOptions<TeamsOptions>>().Value.TabSignInEnabled)
        {
            // No body: the token is the Authorization header, checked by the policy before the handler runs.
            endpoints.MapPost(Path, SignInAsync).RequireAuthorization(AccessPolicies.TeamsTab).WithBodyLimit(1024).ExcludeFromDescription();
        }
        return endpoints;
    }

    private static async Task<IResult> SignInAsync(HttpContext context, ThreadQueries queries, WebSessions sessions, CancellationToken cancellationToken)
    {
        var objectId = context.User.FindFirst(TeamsTabAuthentication.ObjectIdClaim)!.Value;
        if (await queries.UserForIdentityAsync(TeamsMapper.ChannelName, objectId, cancellationToken) is not { } userId)
        {
            return Refusals.Problem(context, StatusCodes.Status403Forbidden, "this Teams account has not chatted with the bot yet: send it a message, then open the tab again");
        }
        await sessions.SignInAsync(context, userId, WebSessions.TeamsTabMethod, cancellationToken);
        return Results.NoContent();
    }
}
