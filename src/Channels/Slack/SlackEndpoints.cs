using System.Text;
using System.Text.Json;
using Bot.Channels.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bot.Channels.Slack;

/// <summary>
/// Slack's three request URLs: the Events API, interactivity (button presses) and the <c>/money</c> slash command.
/// Each request is verified on its raw bytes before anything parses it, then recorded in the inbox, then acknowledged.
/// </summary>
public static class SlackEndpoints
{
    private const string SignedBySlack = "platform webhook: the handler checks Slack's HMAC signature (Slack:SigningSecret) and timestamp on the raw body";

    public static IEndpointRouteBuilder MapSlack(this IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<SlackOptions>>().Value;
        if (!options.Enabled)
        {
            return endpoints;
        }
        var group = endpoints.MapGroup("/slack").ExcludeFromDescription().WithBodyLimit(options.MaxBodyBytes);
        group.MapPost("/events", EventsAsync).AllowAnonymous(SignedBySlack);
        group.MapPost("/interactivity", InteractivityAsync).AllowAnonymous(SignedBySlack);
        group.MapPost("/commands", CommandAsync).AllowAnonymous(SignedBySlack);
        return endpoints;
    }

    /// <summary>
    /// The Events API retries anything but a 200 (three times, and counts failures against the app), so a signed event
    /// the bot cannot use is answered 200 with the reason; only a body that is not JSON at all gets a 400.
    /// </summary>
    private static async Task<IResult> EventsAsync(HttpContext context, SlackRequestVerifier verifier, SlackInbound inbound, ILogger<SlackRequestVerifier> logger, IOptions<SlackOptions> options, CancellationToken cancellationToken)
    {
        var (body, refusal) = await ReadVerifiedAsync(context, verifier, logger, options.Value, cancellationToken);
        if (body is null)
        {
            return refusal!;
        }
        if (RequestBodies.CheckJson(body) is { } problem)
        {
            return Refusals.Problem(context, StatusCodes.Status400BadRequest, problem);
        }
        if (Root(body) is not { ValueKind: JsonValueKind.Object } envelope)
        {
            return Refusals.Problem(context, StatusCodes.Status400BadRequest, "the body is not a JSON object");
        }
        if (JsonMembers.Text(envelope, "type") == "url_verification")
        {
            return Results.Ok(new { challenge = JsonMembers.Text(envelope, "challenge") });
        }
        var outcome = await inbound.EventAsync(envelope, context.Request.Headers["X-Slack-Retry-Num"].ToString(), cancellationToken);
        return outcome.Result == SlackInboundResult.Refused ? Refusals.Acknowledged(context, outcome.Reason!) : Results.Ok();
    }

    private static async Task<IResult> InteractivityAsync(HttpContext context, SlackRequestVerifier verifier, SlackInbound inbound, ILogger<SlackRequestVerifier> logger, IOptions<SlackOptions> options, CancellationToken cancellationToken)
    {
        var (body, refusal) = await ReadVerifiedAsync(context, verifier, logger, options.Value, cancellationToken);
        if (body is null)
        {
            return refusal!;
        }
        if (ParseForm(body) is not { } form || !form.TryGetValue("payload", out var payloadText))
        {
            return Refusals.Problem(context, StatusCodes.Status400BadRequest, "the body is not a form with a payload field");
        }
        var payloadJson = Encoding.UTF8.GetBytes(payloadText.ToString());
        if (RequestBodies.CheckJson(payloadJson) is { } problem)
        {
            return Refusals.Problem(context, StatusCodes.Status400BadRequest, "payload: " + problem);
        }
        if (Root(payloadJson) is not { ValueKind: JsonValueKind.Object } payload)
        {
            return Refusals.Problem(context, StatusCodes.Status400BadRequest, "payload is not a JSON object");
        }
        var outcome = await inbound.InteractionAsync(payload, cancellationToken);
        return outcome.Result == SlackInboundResult.Refused ? Refusals.Problem(context, StatusCodes.Status400BadRequest, outcome.Reason!) : Results.Ok();
    }

    private static async Task<IResult> CommandAsync(HttpContext context, SlackRequestVerifier verifier, SlackInbound inbound, ILogger<SlackRequestVerifier> logger, IOptions<SlackOptions> options, CancellationToken cancellationToken)
    {
        var (body, refusal) = await ReadVerifiedAsync(context, verifier, logger, options.Value, cancellationToken);
        if (body is null)
        {
            return refusal!;
        }
        if (ParseForm(body) is not { } parsed)
        {
            return Refusals.Problem(context, StatusCodes.Status400BadRequest, "the body is not a form");
        }
        var form = parsed.ToDictionary(p => p.Key, p => p.Value.ToString());
        var outcome = await inbound.CommandAsync(form, cancellationToken);
        // The answer follows in the channel; an empty 200 keeps Slack from echoing anything.
        return outcome.Result == SlackInboundResult.Refused ? Refusals.Problem(context, StatusCodes.Status400BadRequest, outcome.Reason!) : Results.Ok();
    }

    /// <summary>The root of JSON that passed <see cref="RequestBodies.CheckJson"/> (so it parses).</summary>
    private static JsonElement Root(byte[] utf8)
    {
        using var document = JsonDocument.Parse(utf8);
        return document.RootElement.Clone();
    }

    /// <summary>A url-encoded form; null when it is not valid UTF-8 text.</summary>
    private static Dictionary<string, Microsoft.Extensions.Primitives.StringValues>? ParseForm(byte[] body)
    {
        try
        {
            return QueryHelpers.ParseQuery(StrictUtf8.GetString(body));
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The raw body when its size, signature and timestamp hold; otherwise the refusal to answer with (logged once).</summary>
    private static async Task<(byte[]? Body, IResult? Refusal)> ReadVerifiedAsync(HttpContext context, SlackRequestVerifier verifier, ILogger logger, SlackOptions options, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var read = await RequestBodies.ReadAsync(request, options.MaxBodyBytes, cancellationToken);
        if (!read.Ok)
        {
            return (null, Refusals.Problem(context, read.Status, read.Problem!));
        }
        var result = verifier.Verify(request.Headers[SlackRequestVerifier.TimestampHeader], request.Headers[SlackRequestVerifier.SignatureHeader], read.Bytes!);
        if (result != SlackVerification.Valid)
        {
            SlackLog.Refused(logger, request.Path, result);
            return (null, Results.Unauthorized());
        }
        return (read.Bytes, null);
    }
}
