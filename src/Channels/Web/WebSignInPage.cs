using System.Net;

namespace Bot.Channels.Web;

/// <summary>The small HTML pages of signing in: the confirmation with its button, and the pages that say why not.</summary>
public static class WebSignInPage
{
    /// <summary>
    /// No script at all; styles inline; the form may post only to this host; no framing (a framed button could be
    /// clicked for someone); no referrer, so the token in the address goes nowhere else.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    private const string Style =
        "body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#222;line-height:1.5}"
        + "button,a.button{display:inline-block;text-decoration:none;font-size:1rem;padding:.5rem 1.2rem;border-radius:6px;border:1px solid #1f6feb;background:#1f6feb;color:#fff;cursor:pointer}";

    public static string Confirm(string botName, string? displayName, string action, string tokenField, string token, string antiforgeryField, string antiforgeryToken) => Page(
        $"Sign in to {botName}",
        $"""
        <p data-testid="signin-who">This link signs you in{(displayName is null ? string.Empty : " as <strong>" + Encode(displayName) + "</strong>")} on this browser.
        Your threads, memory, schedules and plans are the same as in your chat app.</p>
        <form method="post" action="{Encode(action)}">
        <input type="hidden" name="{Encode(tokenField)}" value="{Encode(token)}">
        <input type="hidden" name="{Encode(antiforgeryField)}" value="{Encode(antiforgeryToken)}">
        <button type="submit" data-testid="signin-confirm">Sign in</button>
        </form>
        <p><small>The link works once. If you did not ask for it, close this page.</small></p>
        """);

    /// <summary>A page that says <paramref name="text"/>; with <paramref name="oidcDisplayName"/>, also the button that signs in through the team's OpenID Provider.</summary>
    public static string Message(string title, string text, string? oidcDisplayName = null) => Page(title,
        $"""<p data-testid="signin-message">{Encode(text)}</p>"""
        + (oidcDisplayName is null ? string.Empty : $"""

        <p><a class="button" data-testid="signin-oidc" href="{WebOidc.ChallengePath}">Sign in with {Encode(oidcDisplayName)}</a></p>
        """));

    private static string Page(string title, string body) => $"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <meta name="robots" content="noindex">
        <title>{Encode(title)}</title>
        <style>{Style}</style>
        </head>
        <body>
        <h1 data-testid="signin-title">{Encode(title)}</h1>
        {body}
        </body>
        </html>
        """;

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
