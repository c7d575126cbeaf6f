using System.Security.Claims;
using System.Text.Encodings.Web;
using Bot.Pipeline.SignIn;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bot.Channels.Web;

/// <summary>
/// The web chat owner as an authentication scheme, deciding with <see cref="OwnerAccess"/>: loopback without
/// <c>Web:AccessKey</c>, otherwise the key as a bearer token or in the cookie. <c>/?key=KEY</c> on the page itself also
/// counts, so the page can turn it into the cookie and redirect. A refusal is a 401 that says what to do.
/// </summary>
public sealed class OwnerAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemes, ILoggerFactory loggers, UrlEncoder encoder, OwnerAccess access, IOptions<WebOptions> web,
    IOptions<WebSignInOptions> signIn)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemes, loggers, encoder)
{
    public const string SchemeName = "Owner";

    public const string LoopbackOnlyRefusal = "This web chat answers only on this machine.";
    public const string AccessKeyRefusal = "This web chat needs its access key: open /?key=YOUR_KEY once (Web:AccessKey).";
    public const string SignInHint = " Or sign in: send /web to the assistant in your chat app, and open the link it sends you.";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!access.IsOwner(Context) && access.KeyInPageAddress(Request) is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "owner")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Response.HasStarted)
        {
            return;
        }
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.ContentType = "text/plain; charset=utf-8";
        var refusal = string.IsNullOrEmpty(web.Value.AccessKey) ? LoopbackOnlyRefusal : AccessKeyRefusal;
        await Response.WriteAsync(signIn.Value.CanMakeLinks ? refusal + SignInHint : refusal);
    }
}
