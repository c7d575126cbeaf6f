using Bot.Channels.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Bot.Channels.Web;

/// <summary>
/// Web app sign-in through the team's OpenID Provider (<see cref="WebOidcOptions"/>), with ASP.NET Core's OpenID Connect
/// handler: <c>GET /auth/oidc</c> sends the browser to the provider (authorization code with PKCE, the answer in the
/// query, state and nonce in short-lived cookies); the handler checks the answer at <c>/signin-oidc</c>, redeems the
/// code with the client secret, validates the ID token against the provider's published keys and reads the userinfo.
/// Then, instead of a cookie of the handler's own, the person (<see cref="WebOidcPeople"/>) gets the web app's session
/// (<see cref="WebSessions"/>), and the browser goes to the page. Tokens from the provider are not kept.
/// </summary>
public static partial class WebOidc
{
    public const string SchemeName = "Oidc";
    public const string ChallengePath = "/auth/oidc";
    public const string CallbackPath = "/signin-oidc";

    /// <summary>Adds the scheme when <paramref name="settings"/> turn it on (nothing is registered otherwise).</summary>
    public static AuthenticationBuilder AddWebOidc(this AuthenticationBuilder builder, WebOidcOptions settings)
    {
        if (!settings.Enabled)
        {
            return builder;
        }
        return builder.AddOpenIdConnect(SchemeName, oidc =>
        {
            var authority = new Uri(settings.Authority!);
            oidc.Authority = settings.Authority;
            oidc.RequireHttpsMetadata = !authority.IsLoopback;
            oidc.ClientId = settings.ClientId;
            oidc.ClientSecret = settings.ClientSecret;
            oidc.ResponseType = OpenIdConnectResponseType.Code;
            oidc.ResponseMode = OpenIdConnectResponseMode.Query;
            oidc.UsePkce = true;
            oidc.SaveTokens = false;
            oidc.MapInboundClaims = false;
            oidc.GetClaimsFromUserInfoEndpoint = true;
            oidc.Scope.Clear();
            oidc.Scope.Add("openid");
            oidc.Scope.Add("profile");
            oidc.CallbackPath = CallbackPath;
            // The answer comes back as a top-level GET, so Lax cookies carry state and nonce; Secure follows the request.
            oidc.CorrelationCookie.SameSite = SameSiteMode.Lax;
            oidc.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            oidc.NonceCookie.SameSite = SameSiteMode.Lax;
            oidc.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            // Never reached: OnTicketReceived signs the person in with the web app's session and ends the request.
            oidc.SignInScheme = PersonAuthenticationHandler.SchemeName;
            oidc.Events = new OpenIdConnectEvents
            {
                OnTicketReceived = SignInPersonAsync,
                OnRemoteFailure = RefuseAsync,
            };
        });
    }

    public static IEndpointRouteBuilder MapWebOidc(this IEndpointRouteBuilder endpoints)
    {
        if (endpoints.ServiceProvider.GetRequiredService<IOptions<WebOidcOptions>>().Value.Enabled)
        {
            endpoints.MapGet(ChallengePath, () => Results.Challenge(new AuthenticationProperties { RedirectUri = "/" }, [SchemeName]))
                .AllowAnonymous("starts a sign-in at the team's OpenID Provider: it redirects there and reveals nothing")
                .ExcludeFromDescription();
        }
        return endpoints;
    }

    private static async Task SignInPersonAsync(TicketReceivedContext context)
    {
        var principal = context.Principal!;
        var subject = principal.FindFirst("sub");
        if (subject is null || string.IsNullOrWhiteSpace(subject.Value))
        {
            context.Fail("the provider's ID token has no subject (sub)");
            return;
        }
        var name = principal.FindFirst("name")?.Value ?? principal.FindFirst("preferred_username")?.Value ?? "Signed-in person";
        var http = context.HttpContext;
        var people = http.RequestServices.GetRequiredService<WebOidcPeople>();
        var sessions = http.RequestServices.GetRequiredService<WebSessions>();
        var userId = await people.PersonForAsync(WebOidcPeople.PlatformUserId(subject.Issuer, subject.Value), name, http.RequestAborted);
        await sessions.SignInAsync(http, userId, WebSessions.OidcMethod, http.RequestAborted);
        context.HandleResponse();
        http.Response.Redirect("/");
    }

    /// <summary>The provider said no, or its answer did not check out: a page that says so, and one warning line.</summary>
    private static async Task RefuseAsync(RemoteFailureContext context)
    {
        context.HandleResponse();
        var http = context.HttpContext;
        var settings = http.RequestServices.GetRequiredService<IOptions<WebOidcOptions>>().Value;
        var cancelled = context.Failure?.Message.Contains("access_denied", StringComparison.Ordinal) == true;
        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(Refusals.Category);
        LogFailed(logger, context.Failure?.GetType().Name ?? "none", context.Failure?.Message ?? "no failure");
        http.Response.StatusCode = cancelled ? StatusCodes.Status403Forbidden : StatusCodes.Status400BadRequest;
        http.Response.ContentType = "text/html; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.ContentSecurityPolicy = WebSignInPage.ContentSecurityPolicy;
        await http.Response.WriteAsync(WebSignInPage.Message(
            "Sign-in did not complete",
            cancelled
                ? $"The sign-in with {settings.DisplayName} was cancelled. You can try again from the sign-in page."
                : $"The answer from {settings.DisplayName} could not be checked, so nobody was signed in. Try again from the sign-in page.",
            settings.Enabled ? settings.DisplayName : null), http.RequestAborted);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "OpenID Connect sign-in refused: {Failure}: {Message}")]
    private static partial void LogFailed(ILogger logger, string failure, string message);
}
