using System.Text;
using System.Text.Json;
using Bot.Channels.Access;
using Bot.Channels.Inbound;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Bot.Channels.Slack;

/// <summary>
/// What Slack's three request URLs share as doors of the <see cref="InboundSeam"/>: the credential is an HMAC over the
/// raw body and its timestamp, so the body (at most <see cref="SlackOptions.MaxBodyBytes"/>) is read first and verified
/// before anything parses it; refusals of the body or payload are 4xx problems.
/// </summary>
internal abstract class SlackSignedInbound<TPayload>(SlackOptions options, SlackRequestVerifier verifier, SlackInbound inbound, ILogger logger)
    : IInboundEndpoint<TPayload> where TPayload : class
{
    protected SlackInbound Inbound => inbound;

    public long MaxBodyBytes => options.MaxBodyBytes;

    public ValueTask<IResult?> VerifyHeadersAsync(HttpContext context, CancellationToken cancellationToken) => ValueTask.FromResult<IResult?>(null);

    public IResult? VerifyBody(HttpContext context, byte[] body)
    {
        var request = context.Request;
        var result = verifier.Verify(request.Headers[SlackRequestVerifier.TimestampHeader], request.Headers[SlackRequestVerifier.SignatureHeader], body);
        if (result == SlackVerification.Valid)
        {
            return null;
        }
        SlackLog.Refused(logger, request.Path, result);
        return Results.Unauthorized();
    }

    public abstract InboundParse<TPayload> Parse(byte[] body);

    public abstract ValueTask<InboundMapping> MapAsync(HttpContext context, TPayload payload, CancellationToken cancellationToken);

    public virtual ValueTask<IResult> AcknowledgeAsync(HttpContext context, TPayload? payload, InboundOutcome outcome, CancellationToken cancellationToken) =>
        ValueTask.FromResult(outcome.Result switch
        {
            InboundResult.Refused => Refusals.Problem(context, outcome.Status, outcome.Reason!),
            InboundResult.Answered => outcome.Response!,
            // The answer follows in the channel; an empty 200 keeps Slack from echoing anything.
            _ => Results.Ok(),
        });

    /// <summary>The root of JSON that passed <see cref="RequestBodies.CheckJson"/> when it is an object; else the problem.</summary>
    protected static (JsonElement Root, string? Problem) JsonObject(byte[] utf8, string what)
    {
        if (RequestBodies.CheckJson(utf8) is { } problem)
        {
            return (default, what == "the body" ? problem : what + ": " + problem);
        }
        using var document = JsonDocument.Parse(utf8);
        return document.RootElement.ValueKind == JsonValueKind.Object
            ? (document.RootElement.Clone(), null)
            : (default, what + " is not a JSON object");
    }

    /// <summary>A url-encoded form; null when it is not valid UTF-8 text.</summary>
    protected static Dictionary<string, StringValues>? ParseForm(byte[] body)
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
}
