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
        if (!endpoints.ServiceProvider.GetRequiredService<IOptions<SlackOptions>>().Value.Enabled)
        {
            return endpoints;
        }
        var group = endpoints.MapGroup("/slack").ExcludeFromDescription();
        group.MapPost("/events", EventsAsync).AllowAnonymous(SignedBySlack);
        group.MapPost("/interactivity", InteractivityAsync).AllowAnonymous(SignedBySlack);
        group.MapPost("/commands", CommandAsync).AllowAnonymous(SignedBySlack);
        return endpoints;
    }

    private static async Task<IResult> EventsAsync(HttpContext context, SlackRequestVerifier verifier, SlackInbound inbound, ILogger<SlackRequestVerifier> logger, IOptions<SlackOptions> options, CancellationToken cancellationToken)
    {
        var body = await ReadVerifiedAsync(context, verifier, logger, options.Value, cancellationToken);
        if (body is null)
        {
            return Results.Unauthorized();
        }
        JsonElement envelope;
        try
        {
            envelope = JsonDocument.Parse(body).RootElement.Clone();
        }
        catch (JsonException)
        {
            return Results.BadRequest();
        }
        if (envelope.ValueKind != JsonValueKind.Object)
        {
            return Results.BadRequest();
        }
        if (envelope.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "url_verification")
        {
            return Results.Ok(new { challenge = envelope.TryGetProperty("challenge", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null });
        }
        await inbound.EventAsync(envelope, context.Request.Headers["X-Slack-Retry-Num"].ToString(), cancellationToken);
        return Results.Ok();
    }

    private static async Task<IResult> InteractivityAsync(HttpContext context, SlackRequestVerifier verifier, SlackInbound inbound, ILogger<SlackRequestVerifier> logger, IOptions<SlackOptions> options, CancellationToken cancellationToken)
    {
        var body = await ReadVerifiedAsync(context, verifier, logger, options.Value, cancellationToken);
        if (body is null)
        {
            return Results.Unauthorized();
        }
        var form = QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body));
        if (!form.TryGetValue("payload", out var payloadText))
        {
            return Results.BadRequest();
        }
        JsonElement payload;
        try
        {
            payload = JsonDocument.Parse(payloadText.ToString()).RootElement.Clone();
        }
        catch (JsonException)
        {
            return Results.BadRequest();
        }
        await inbound.InteractionAsync(payload, cancellationToken);
        return Results.Ok();
    }

    private static async Task<IResult> CommandAsync(HttpContext context, SlackRequestVerifier verifier, SlackInbound inbound, ILogger<SlackRequestVerifier> logger, IOptions<SlackOptions> options, CancellationToken cancellationToken)
    {
        var body = await ReadVerifiedAsync(context, verifier, logger, options.Value, cancellationToken);
        if (body is null)
        {
            return Results.Unauthorized();
        }
        var form = QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body)).ToDictionary(p => p.Key, p => p.Value.ToString());
        // The answer follows in the channel; an empty 200 keeps Slack from echoing anything.
        return await inbound.CommandAsync(form, cancellationToken) == SlackInboundResult.Malformed ? Results.BadRequest() : Results.Ok();
    }

    /// <summary>The raw body when its signature and timestamp hold; null (and a log line) otherwise.</summary>
    private static async Task<byte[]?> ReadVerifiedAsync(HttpContext context, SlackRequestVerifier verifier, ILogger logger, SlackOptions options, CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (request.ContentLength > options.MaxBodyBytes)
        {
            SlackLog.Refused(logger, request.Path, SlackVerification.TooLarge);
            return null;
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > options.MaxBodyBytes)
            {
                SlackLog.Refused(logger, request.Path, SlackVerification.TooLarge);
                return null;
            }
        }
        var body = buffer.ToArray();
        var result = verifier.Verify(request.Headers[SlackRequestVerifier.TimestampHeader], request.Headers[SlackRequestVerifier.SignatureHeader], body);
        if (result != SlackVerification.Valid)
        {
            SlackLog.Refused(logger, request.Path, result);
            return null;
        }
        return body;
    }
}
