using System.Security.Cryptography;
using System.Text.Json;
using Bot.Finance.Bank;
using Bot.Finance.Plaid;
using Bot.Channels.Access;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Bot.BotHost.Endpoints;

/// <summary>
/// The page behind a one-time bank link (<c>/link/plaid?c=CODE</c>; in the query, not the path, so it stays out of the log): it opens Plaid Link for the user the code was
/// made for, and posts the public token back here, where it is exchanged and stored encrypted. The code is the only
/// credential; it is spent once the link has completed, and until then a failed attempt can be retried (the answer
/// says what happened and whether to press Try again or open Plaid again). The page is never cached and sends no referrer.
/// </summary>
public static class PlaidLinkEndpoints
{
    public sealed record PublicTokenDto(string? PublicToken);

    /// <summary>
    /// <see cref="Retry"/>: <c>post</c> when posting the same public token again can help, <c>plaid</c> when the
    /// person should open Plaid again, null when there is nothing more to do.
    /// </summary>
    public sealed record LinkResultDto(bool Linked, string Message, string? Retry = null);

    public const string RetryPost = "post";
    public const string RetryPlaid = "plaid";

    public static IEndpointRouteBuilder MapPlaidLink(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup(BankLinks.Path)
            .AllowAnonymous("one-time bank link: the code in the query is the credential, spent when the link completes")
            .ExcludeFromDescription();
        group.MapGet("/", PageAsync);
        group.MapPost("/", CompleteAsync);
        return endpoints;
    }

    private static async Task<IResult> PageAsync(
        [FromQuery(Name = BankLinks.CodeParameter)] string? code, HttpContext context, IOptions<PlaidOptions> options, BankLinks links, PlaidBankProvider plaid, CancellationToken cancellationToken)
    {
        NoStore(context);
        if (!options.Value.IsConfigured)
        {
            return Results.NotFound();
        }
        var grant = code is null ? null : await links.FindAsync(code, cancellationToken);
        if (grant is null)
        {
            return Html(StatusCodes.Status410Gone, PlaidLinkPage.Message("This link has expired or was already used", "Ask the bot for a new one with /link bank."), null, context);
        }
        if (grant.LinkedBankItemId is not null)
        {
            return Html(StatusCodes.Status200OK, PlaidLinkPage.Message("Your bank is linked", "You can close this page and return to the chat."), null, context);
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
        return Html(StatusCodes.Status200OK, PlaidLinkPage.Link(token.LinkToken, context.Request.PathBase + BankLinks.PathFor(code!), nonce), nonce, context);
    }

    private static async Task<IResult> CompleteAsync(
        [FromQuery(Name = BankLinks.CodeParameter)] string? code, PublicTokenDto body, HttpContext context, IOptions<PlaidOptions> options, BankLinks links, PlaidBankProvider plaid, CancellationToken cancellationToken)
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
        var grant = code is null ? null : await links.FindAsync(code, cancellationToken);
        if (code is null || grant is null)
        {
            // A retry whose first answer was lost on the way back: the link did complete.
            return code is not null && await links.CompletedAsync(code, cancellationToken)
                ? Results.Json(new LinkResultDto(true, "This link was already used, and your bank is connected. You can close this page and return to the chat."), statusCode: StatusCodes.Status410Gone)
                : Results.Json(new LinkResultDto(false, "This link has expired or was already used. Ask the bot for a new one with /link bank."), statusCode: StatusCodes.Status410Gone);
        }
        var outcome = await plaid.CompleteLinkAsync(links, grant, body.PublicToken, cancellationToken);
        return outcome.Status switch
        {
            PlaidLinkStatus.Linked => Results.Ok(new LinkResultDto(true, $"{outcome.Institution ?? "Your bank"} is connected. You can close this page and return to the chat.")),
            PlaidLinkStatus.Repaired => Results.Ok(new LinkResultDto(true, "Your bank is reconnected. You can close this page and return to the chat.")),
            PlaidLinkStatus.LinkedFollowUpPending => Results.Ok(new LinkResultDto(true,
                "Your bank is linked, but Plaid did not answer when we asked for your accounts, so we could not load them yet. They will load the next time you ask the bot; you can also press Try again, or close this page.",
                RetryPost)),
            PlaidLinkStatus.InProgressElsewhere => Results.Json(new LinkResultDto(false,
                "This link is being completed in another window right now. Wait a moment, then check the chat, or press Try again.", RetryPost), statusCode: StatusCodes.Status409Conflict),
            PlaidLinkStatus.ExchangeUnreachable => Results.Json(new LinkResultDto(false,
                "Plaid did not answer, so nothing was linked. Press Try again in a moment.", RetryPost), statusCode: StatusCodes.Status502BadGateway),
            PlaidLinkStatus.NotStored => Results.Json(new LinkResultDto(false,
                "We could not save the connection, so nothing was linked. Open Plaid again to sign in to your bank.", RetryPlaid), statusCode: StatusCodes.Status503ServiceUnavailable),
            _ => Rejected(outcome.Error!),
        };
    }

    /// <summary>Plaid refused the exchange: nothing was stored, and the code still works.</summary>
    private static IResult Rejected(PlaidApiException error)
    {
        if (error.ErrorCode == "INVALID_PUBLIC_TOKEN")
        {
            return Results.Json(new LinkResultDto(false,
                "Plaid no longer accepts this sign-in (it may have been used already), so nothing was linked. Open Plaid again to sign in to your bank.", RetryPlaid),
                statusCode: StatusCodes.Status502BadGateway);
        }
        var advice = PlaidErrorAdvice.For(error);
        var retry = advice.Remedy switch
        {
            PlaidRemedy.RetryLater => RetryPost,
            PlaidRemedy.Operator => null,
            _ => RetryPlaid,
        };
        return Results.Json(new LinkResultDto(false, advice.Message + " Nothing was linked.", retry), statusCode: StatusCodes.Status502BadGateway);
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
        <p><button id="retry" hidden>Try again</button> <button id="again" hidden>Open Plaid again</button></p>
        <script nonce="{{nonce}}">
        const linkToken = {{JsonSerializer.Serialize(linkToken)}};
        const postPath = {{JsonSerializer.Serialize(postPath)}};
        const status = document.getElementById('status');
        const again = document.getElementById('again');
        const retry = document.getElementById('retry');
        let publicToken = null;
        async function submit() {
          retry.hidden = true;
          again.hidden = true;
          status.textContent = 'Connecting…';
          try {
            const response = await fetch(postPath, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ publicToken }) });
            const body = await response.json();
            status.textContent = body.message;
            retry.hidden = body.retry !== 'post';
            again.hidden = body.retry !== 'plaid';
          } catch (e) {
            status.textContent = 'This page lost its connection before it heard back. Press Try again.';
            retry.hidden = false;
          }
        }
        retry.addEventListener('click', submit);
        if (!window.Plaid) {
          status.textContent = 'Plaid Link could not be loaded. Check your connection and open this link again.';
        } else {
          const handler = Plaid.create({
            token: linkToken,
            onSuccess: (token) => {
              publicToken = token;
              submit();
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
