using System.Security.Cryptography;
using System.Text.Json;
using Bot.Finance.Bank;
using Bot.Finance.Plaid;
using Bot.Channels.Access;
using Microsoft.Extensions.Options;

namespace Bot.BotHost.Endpoints;

/// <summary>
/// The page behind a one-time bank link (<c>/link/plaid/{code}</c>): it opens Plaid Link for the user the code was
/// made for, and posts the public token back here, where it is exchanged and stored encrypted. The code is the only
/// credential, so it is spent on that post; the page is never cached and sends no referrer.
/// </summary>
public static class PlaidLinkEndpoints
{
    public sealed record PublicTokenDto(string? PublicToken);

    public sealed record LinkResultDto(bool Linked, string Message);

    public static IEndpointRouteBuilder MapPlaidLink(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup(BankLinks.PathPrefix.TrimEnd('/'))
            .AllowAnonymous("one-time bank link: the code in the path is the credential, spent when the link completes")
            .ExcludeFromDescription();
        group.MapGet("/{code}", PageAsync);
        group.MapPost("/{code}", CompleteAsync);
        return endpoints;
    }

    private static async Task<IResult> PageAsync(
        string code, HttpContext context, IOptions<PlaidOptions> options, BankLinks links, PlaidBankProvider plaid, CancellationToken cancellationToken)
    {
        NoStore(context);
        if (!options.Value.IsConfigured)
        {
            return Results.NotFound();
        }
        var grant = await links.FindAsync(code, cancellationToken);
        if (grant is null)
        {
            return Html(StatusCodes.Status410Gone, PlaidLinkPage.Message("This link has expired or was already used", "Ask the bot for a new one with /link bank."), null, context);
        }
        PlaidLinkTokenCreateResponse token;
        try
        {
            token = await plaid.CreateLinkTokenAsync(grant.UserId, grant.BankItemId, cancellationToken);
        }
        catch (PlaidApiException exception)
        {
            return Html(StatusCodes.Status502BadGateway, PlaidLinkPage.Message("Plaid cannot open right now", PlaidErrorAdvice.For(exception).Message), null, context);
        }
        catch (PlaidTransportException)
        {
            return Html(StatusCodes.Status502BadGateway, PlaidLinkPage.Message("Plaid cannot be reached right now", "Please try this link again in a few minutes."), null, context);
        }
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        return Html(StatusCodes.Status200OK, PlaidLinkPage.Link(token.LinkToken, context.Request.PathBase + BankLinks.PathPrefix + code, nonce), nonce, context);
    }

    private static async Task<IResult> CompleteAsync(
        string code, PublicTokenDto body, HttpContext context, IOptions<PlaidOptions> options, BankLinks links, PlaidBankProvider plaid, CancellationToken cancellationToken)
    {
        NoStore(context);
        if (!options.Value.IsConfigured)
        {
            return Results.NotFound();
        }
        if (string.IsNullOrWhiteSpace(body.PublicToken) || body.PublicToken.Length > 512)
        {
            return Results.BadRequest(new LinkResultDto(false, "The request carries no public token."));
        }
        var grant = await links.FindAsync(code, cancellationToken);
        if (grant is null || !await links.SpendAsync(grant.SessionId, cancellationToken))
        {
            return Results.Json(new LinkResultDto(false, "This link has expired or was already used. Ask the bot for a new one with /link bank."), statusCode: StatusCodes.Status410Gone);
        }
        try
        {
            if (grant.BankItemId is { } itemId)
            {
                await plaid.MarkRepairedAsync(itemId, cancellationToken);
                return Results.Ok(new LinkResultDto(true, "Your bank is reconnected. You can close this page and return to the chat."));
            }
            var institution = await plaid.CompleteLinkAsync(grant.UserId, body.PublicToken, cancellationToken);
            return Results.Ok(new LinkResultDto(true, $"{institution ?? "Your bank"} is connected. You can close this page and return to the chat."));
        }
        catch (PlaidApiException exception)
        {
            return Results.Json(new LinkResultDto(false, PlaidErrorAdvice.For(exception).Message + " Ask the bot for a new link with /link bank."), statusCode: StatusCodes.Status502BadGateway);
        }
        catch (PlaidTransportException)
        {
            return Results.Json(new LinkResultDto(false, "Plaid cannot be reached right now. Ask the bot for a new link with /link bank in a few minutes."), statusCode: StatusCodes.Status502BadGateway);
        }
    }

    private static void NoStore(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
        context.Response.Headers["X-Content-Type-Options"] = "nosniff";
    }

    private static IResult Html(int status, string html, string? nonce, HttpContext context)
    {
        var scripts = nonce is null ? "'none'" : $"'nonce-{nonce}' {PlaidLinkPage.ScriptOrigin}";
        context.Response.Headers.ContentSecurityPolicy =
            $"default-src 'none'; script-src {scripts}; frame-src {PlaidLinkPage.ScriptOrigin}; connect-src 'self' https://*.plaid.com; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        return Results.Content(html, "text/html; charset=utf-8", statusCode: status);
    }
}

/// <summary>The HTML of the bank-link page. Values are embedded as JSON string literals (HTML-safe escaping).</summary>
public static class PlaidLinkPage
{
    public const string ScriptOrigin = "https://cdn.plaid.com";
    public const string ScriptUrl = ScriptOrigin + "/link/v2/stable/link-initialize.js";

    private const string Head = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>Connect your bank</title>
        <style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#222;line-height:1.5}button{font-size:1rem;padding:.5rem 1.2rem}</style>
        """;

    public static string Link(string linkToken, string postPath, string nonce) => Head + $$"""
        <script src="{{ScriptUrl}}" nonce="{{nonce}}"></script>
        </head>
        <body>
        <h1>Connect your bank</h1>
        <p id="status">Opening Plaid…</p>
        <p><button id="again" hidden>Open Plaid again</button></p>
        <script nonce="{{nonce}}">
        const linkToken = {{JsonSerializer.Serialize(linkToken)}};
        const postPath = {{JsonSerializer.Serialize(postPath)}};
        const status = document.getElementById('status');
        const again = document.getElementById('again');
        if (!window.Plaid) {
          status.textContent = 'Plaid Link could not be loaded. Check your connection and open this link again.';
        } else {
          const handler = Plaid.create({
            token: linkToken,
            onSuccess: async (publicToken) => {
              again.hidden = true;
              status.textContent = 'Connecting…';
              try {
                const response = await fetch(postPath, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ publicToken }) });
                const body = await response.json();
                status.textContent = body.message;
              } catch (e) {
                status.textContent = 'Connecting failed. Ask the bot for a new link with /link bank.';
              }
            },
            onExit: (error) => {
              status.textContent = error ? 'Plaid reported a problem: ' + (error.display_message || error.error_message || error.error_code) : 'Plaid was closed before the bank was connected.';
              again.hidden = false;
            },
          });
          again.addEventListener('click', () => handler.open());
          handler.open();
        }
        </script>
        </body>
        </html>
        """;

    public static string Message(string title, string text) => Head + $"""
        </head>
        <body>
        <h1>{System.Net.WebUtility.HtmlEncode(title)}</h1>
        <p>{System.Net.WebUtility.HtmlEncode(text)}</p>
        </body>
        </html>
        """;
}
