using System.Text.Json;
using Bot.Agent.Model;
using Bot.Agent.Pipeline;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bot.Channels.Slack;

/// <summary>
/// Slack's three request URLs: the Events API, interactivity (button presses) and the <c>/money</c> slash command.
/// Each request is verified on its raw bytes before anything parses it, then recorded in the inbox, then acknowledged.
/// </summary>
public static class SlackEndpoints
{
    public static IEndpointRouteBuilder MapSlack(this IEndpointRouteBuilder endpoints)
    {
        if (!endpoints.ServiceProvider.GetRequiredService<IOptions<SlackOptions>>().Value.Enabled)
        {
            return endpoints;
        }
        var group = endpoints.MapGroup("/slack").ExcludeFromDescription();
        group.MapPost("/events", EventsAsync);
        group.MapPost("/interactivity", InteractivityAsync);
        group.MapPost("/commands", CommandAsync);
        return endpoints;
    }

    private static async Task<IResult> EventsAsync(HttpContext context, SlackRequestVerifier verifier, InboxRecorder inbox, NpgsqlDataSource db, ILogger<SlackRequestVerifier> logger, IOptions<SlackOptions> options, CancellationToken cancellationToken)
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
        if (envelope.TryGetProperty("type", out var type) && type.GetString() == "url_verification")
        {
            return Results.Ok(new { challenge = envelope.TryGetProperty("challenge", out var c) ? c.GetString() : null });
        }
        var (kind, message) = SlackMapper.FromEvent(envelope);
        if (message is null || kind == SlackMessageKind.Ignore
            || (kind == SlackMessageKind.ThreadReply && !await IsKnownThreadAsync(db, message.Address, cancellationToken)))
        {
            SlackLog.Ignored(logger, envelope.TryGetProperty("event", out var ev) && ev.TryGetProperty("type", out var t) ? t.GetString() : null);
            return Results.Ok();
        }
        var record = await inbox.RecordAsync(message, null, cancellationToken);
        if (record.Duplicate)
        {
            SlackLog.Duplicate(logger, message.EventId, context.Request.Headers["X-Slack-Retry-Num"].ToString());
        }
        return Results.Ok();
    }

    private static async Task<IResult> InteractivityAsync(HttpContext context, SlackRequestVerifier verifier, InboxRecorder inbox, ILogger<SlackRequestVerifier> logger, IOptions<SlackOptions> options, CancellationToken cancellationToken)
    {
        var body = await ReadVerifiedAsync(context, verifier, logger, options.Value, cancellationToken);
        if (body is null)
        {
            return Results.Unauthorized();
        }
        var form = QueryHelpers.ParseQuery(System.Text.Encoding.UTF8.GetString(body));
        if (!form.TryGetValue("payload", out var payloadText))
        {
            return Results.BadRequest();
        }
        IncomingMessage? message;
        try
        {
            message = SlackMapper.FromInteraction(JsonDocument.Parse(payloadText.ToString()).RootElement);
        }
        catch (JsonException)
        {
            return Results.BadRequest();
        }
        if (message is not null)
        {
            await inbox.RecordAsync(message, null, cancellationToken);
        }
        return Results.Ok();
    }

    private static async Task<IResult> CommandAsync(HttpContext context, SlackRequestVerifier verifier, InboxRecorder inbox, TimeProvider clock, ILogger<SlackRequestVerifier> logger, IOptions<SlackOptions> options, CancellationToken cancellationToken)
    {
        var body = await ReadVerifiedAsync(context, verifier, logger, options.Value, cancellationToken);
        if (body is null)
        {
            return Results.Unauthorized();
        }
        var form = QueryHelpers.ParseQuery(System.Text.Encoding.UTF8.GetString(body)).ToDictionary(p => p.Key, p => p.Value.ToString());
        var message = SlackMapper.FromSlashCommand(form, clock.GetUtcNow());
        if (message is null)
        {
            return Results.BadRequest();
        }
        await inbox.RecordAsync(message, null, cancellationToken);
        // The answer follows in the channel; an empty 200 keeps Slack from echoing anything.
        return Results.Ok();
    }

    /// <summary>The raw body when its signature and timestamp hold; null (and a log line) otherwise.</summary>
    private static async Task<byte[]?> ReadVerifiedAsync(HttpContext context, SlackRequestVerifier verifier, ILogger logger, SlackOptions options, CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (request.ContentLength > options.MaxBodyBytes)
        {
            SlackLog.Refused(logger, request.Path, SlackVerification.BadSignature);
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
                SlackLog.Refused(logger, request.Path, SlackVerification.BadSignature);
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

    /// <summary>Whether the bot already takes part in this Slack thread (it answered there before).</summary>
    private static async Task<bool> IsKnownThreadAsync(NpgsqlDataSource db, ConversationAddress address, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(
            "SELECT EXISTS (SELECT 1 FROM threads t JOIN conversations c ON c.id = t.conversation_id WHERE c.channel = $1 AND c.address = $2 AND t.thread_key = $3)");
        command.Parameters.Add(new() { Value = address.Channel });
        command.Parameters.Add(new() { Value = address.ConversationId });
        command.Parameters.Add(new() { Value = address.ThreadKey! });
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }
}
