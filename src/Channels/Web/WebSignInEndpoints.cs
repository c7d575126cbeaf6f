using Bot.Channels.Access;
using Bot.Pipeline.SignIn;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Bot.Channels.Web;

/// <summary>
/// Signing in to the web app with a one-time link (<c>/signin?t=TOKEN</c>, from <c>/web</c>), and out again. Opening
/// the link (GET) shows a confirmation page and spends nothing: chat apps and link previewers fetch URLs to unfurl
/// them, and a GET that signed in would burn the token (or sign the previewer in). The page's button posts the token
/// in the form body with an anti-forgery field, and that POST spends the token and starts the session. The token is
/// never in a path, so the request path that ASP.NET Core puts in every log line's scope cannot carry it. <c>/api/session</c> tells the page who is signed in and gives
/// it the anti-forgery token its state-changing calls send.
/// </summary>
public static class WebSignInEndpoints
{
    public const string AntiforgeryField = "__antiforgery";

    public sealed record SessionDto(string Kind, Guid? UserId, string? DisplayName, string? Method, string? AntiforgeryToken, string AntiforgeryHeader);

    public sealed record SignedOutDto(int SessionsEnded);

    public static IEndpointRouteBuilder MapWebSignIn(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(WebSignInLinks.Path, ConfirmAsync)
            .AllowAnonymous("one-time sign-in link: the token (?t=) is the credential; GET only shows a confirmation page and spends nothing (without a token: how to get a link)")
            .ExcludeFromDescription();
        endpoints.MapPost(WebSignInLinks.Path, SignInAsync)
            .AllowAnonymous("one-time sign-in link: the token in the form is the credential, spent here, with the confirmation page's anti-forgery token")
            .WithBodyLimit(8 * 1024)
            .ExcludeFromDescription();

        var session = endpoints.MapGroup("/api/session").WithTags("Session");
        session.MapGet("/", SessionAsync).RequireAuthorization(AccessPolicies.Person)
            .WithSummary("Who uses the web app (a signed-in person or the owner), and the anti-forgery token for state-changing calls.");
        session.MapPost("/signout", SignOutAsync).RequireAuthorization(AccessPolicies.SignedIn)
            .WithSummary("Ends this browser's session.");
        session.MapPost("/signout-everywhere", SignOutEverywhereAsync).RequireAuthorization(AccessPolicies.SignedIn)
            .WithSummary("Ends every session of the signed-in person, on every browser.");
        return endpoints;
    }

    private static async Task<IResult> ConfirmAsync(
        HttpContext context, WebSignInLinks links, WebSessions sessions, IAntiforgery antiforgery, IOptions<WebOptions> web, IOptions<WebOidcOptions> oidc,
        CancellationToken cancellationToken)
    {
        Protect(context);
        if (!context.Request.Query.TryGetValue(WebSignInLinks.TokenParameter, out var value))
        {
            return Html(StatusCodes.Status200OK, WebSignInPage.Message(
                $"Sign in to {web.Value.BotName}",
                "To sign in, send /web to the assistant in a private chat (Telegram, Slack or Teams) and open the link it sends you. A link works once, for 10 minutes.",
                oidc.Value.Enabled ? oidc.Value.DisplayName : null));
        }
        var token = value.ToString();
        var status = await links.PeekAsync(token, cancellationToken);
        if (status is not { State: WebSignInLinkState.Usable, UserId: { } userId })
        {
            return Refusal(context, status.State, web.Value.BotName);
        }
        var form = antiforgery.GetAndStoreTokens(context);
        var action = context.Request.PathBase + WebSignInLinks.Path;
        return Html(StatusCodes.Status200OK, WebSignInPage.Confirm(
            web.Value.BotName, await sessions.DisplayNameAsync(userId, cancellationToken), action, WebSignInLinks.TokenParameter, token, form.FormFieldName, form.RequestToken!));
    }

    private static async Task<IResult> SignInAsync(
        HttpContext context, WebSignInLinks links, WebSessions sessions, IAntiforgery antiforgery, IOptions<WebOptions> web, CancellationToken cancellationToken)
    {
        Protect(context);
        if (!context.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(context))
        {
            Refusals.Log(context, StatusCodes.Status400BadRequest, "the sign-in form's anti-forgery token is missing or wrong");
            return Html(StatusCodes.Status400BadRequest, WebSignInPage.Message(
                "This sign-in page has expired", "Open the sign-in link again and press Sign in on the page it shows."));
        }
        var form = await context.Request.ReadFormAsync(cancellationToken);
        var status = await links.SpendAsync(form[WebSignInLinks.TokenParameter].ToString(), cancellationToken);
        if (status is not { State: WebSignInLinkState.Usable, UserId: { } userId })
        {
            return Refusal(context, status.State, web.Value.BotName);
        }
        await sessions.SignInAsync(context, userId, WebSessions.LinkMethod, cancellationToken);
        // 303: the browser follows with a GET of the app, and a reload does not post the spent token again.
        context.Response.Headers.Location = context.Request.PathBase + "/";
        return Results.StatusCode(StatusCodes.Status303SeeOther);
    }

    private static async Task<Ok<SessionDto>> SessionAsync(HttpContext context, WebCallers callers, WebSessions sessions, CancellationToken cancellationToken)
    {
        context.Response.Headers.CacheControl = "no-store";
        var caller = WebCaller.From(context.User) ?? WebCaller.Owner;
        var userId = await callers.UserIdAsync(caller, cancellationToken);
        var name = userId is { } user ? await sessions.DisplayNameAsync(user, cancellationToken) : null;
        return caller.IsPerson
            ? TypedResults.Ok(new SessionDto("person", userId, name, context.User.FindFirst(PersonAuthenticationHandler.MethodClaim)?.Value,
                WebSessions.AntiforgeryToken(context), WebSessions.AntiforgeryHeader))
            : TypedResults.Ok(new SessionDto("owner", userId, name, null, null, WebSessions.AntiforgeryHeader));
    }

    private static async Task<Results<Ok<SignedOutDto>, ProblemHttpResult>> SignOutAsync(HttpContext context, WebSessions sessions, CancellationToken cancellationToken)
    {
        if (!WebSessions.HasAntiforgeryToken(context))
        {
            return AntiforgeryRefused(context);
        }
        return TypedResults.Ok(new SignedOutDto(await sessions.SignOutAsync(context, cancellationToken)));
    }

    private static async Task<Results<Ok<SignedOutDto>, ProblemHttpResult>> SignOutEverywhereAsync(HttpContext context, WebSessions sessions, CancellationToken cancellationToken)
    {
        if (!WebSessions.HasAntiforgeryToken(context) || WebCaller.From(context.User) is not { PersonUserId: { } userId })
        {
            return AntiforgeryRefused(context);
        }
        return TypedResults.Ok(new SignedOutDto(await sessions.SignOutEverywhereAsync(context, userId, cancellationToken)));
    }

    /// <summary>The 403 of a state-changing call without its anti-forgery header (logged once, like every refusal).</summary>
    public static ProblemHttpResult AntiforgeryRefused(HttpContext context)
    {
        const string Reason = "The request lacks the web app's anti-forgery header (" + WebSessions.AntiforgeryHeader + ").";
        Refusals.Log(context, StatusCodes.Status403Forbidden, Reason);
        return TypedResults.Problem(detail: Reason, statusCode: StatusCodes.Status403Forbidden);
    }

    private static IResult Refusal(HttpContext context, WebSignInLinkState state, string botName)
    {
        var (status, title, text, reason) = state switch
        {
            WebSignInLinkState.Used => (StatusCodes.Status410Gone, "This sign-in link was already used",
                "A sign-in link works once. Send /web to the assistant for a new one.", "the sign-in link was already used"),
            WebSignInLinkState.Expired => (StatusCodes.Status410Gone, "This sign-in link has expired",
                "A sign-in link works for 10 minutes. Send /web to the assistant for a new one.", "the sign-in link has expired"),
            _ => (StatusCodes.Status404NotFound, "This sign-in link is not valid",
                $"Check that the whole link was opened, or send /web to {botName} for a new one.", "the sign-in link is unknown"),
        };
        Refusals.Log(context, status, reason);
        return Html(status, WebSignInPage.Message(title, text));
    }

    private static void Protect(HttpContext context)
    {
        // What ASP.NET Core anti-forgery sets on a page with a form (it warns when it has to override a weaker value).
        context.Response.Headers.CacheControl = "no-cache, no-store";
        context.Response.Headers.Pragma = "no-cache";
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
        context.Response.Headers["X-Content-Type-Options"] = "nosniff";
        context.Response.Headers.ContentSecurityPolicy = WebSignInPage.ContentSecurityPolicy;
    }

    private static IResult Html(int status, string html) => Results.Content(html, "text/html; charset=utf-8", statusCode: status);
}
