using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bot.Channels.Web;

/// <summary>
/// A signed-in person as an authentication scheme: the session cookie (<see cref="WebSessions.CookieName"/>) names a
/// live session in <c>web_sessions</c>. The principal carries the user id (<see cref="ClaimTypes.NameIdentifier"/>),
/// the session's row id and how the person signed in. A cookie of an ended session fails (401); no cookie is no result.
/// </summary>
public sealed class PersonAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemes, ILoggerFactory loggers, UrlEncoder encoder, WebSessions sessions)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemes, loggers, encoder)
{
    public const string SchemeName = "Person";

    public const string SessionClaim = "bot:session";
    public const string MethodClaim = "bot:signin-method";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var secret = Request.Cookies[WebSessions.CookieName];
        if (string.IsNullOrEmpty(secret))
        {
            return AuthenticateResult.NoResult();
        }
        var session = await sessions.AuthenticateAsync(secret, Context.RequestAborted);
        if (session is null)
        {
            return AuthenticateResult.Fail("The session has ended or was signed out.");
        }
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, session.UserId.ToString()),
                new Claim(SessionClaim, session.Id.ToString()),
                new Claim(MethodClaim, session.Method),
            ],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    /// <summary>A bare 401: where the owner may also come in, the owner's scheme writes the words that say what to do.</summary>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (!Response.HasStarted)
        {
            Response.StatusCode = StatusCodes.Status401Unauthorized;
        }
        return Task.CompletedTask;
    }
}
