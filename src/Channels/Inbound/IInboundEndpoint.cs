using Microsoft.AspNetCore.Http;

namespace Bot.Channels.Inbound;

/// <summary>
/// One platform's HTTP door, as the steps <see cref="InboundSeam.HandleAsync{TPayload}"/> runs in order: verify what
/// can be verified before the body, read at most <see cref="MaxBodyBytes"/>, verify what covers the body, parse, map,
/// then (after <see cref="InboundSeam"/> has recorded) acknowledge in the platform's terms. The seam owns the order, so
/// no channel can record before it verifies or acknowledge before it records.
/// </summary>
public interface IInboundEndpoint<TPayload> where TPayload : class
{
    /// <summary>The largest body read (the same bound the endpoint declares with <c>WithBodyLimit</c>).</summary>
    long MaxBodyBytes { get; }

    /// <summary>
    /// Step 1 for a credential in the headers (a token, a secret header), checked before a byte of the body is read.
    /// Null when it holds or the credential covers the body; otherwise the refusal, already logged.
    /// </summary>
    ValueTask<IResult?> VerifyHeadersAsync(HttpContext context, CancellationToken cancellationToken);

    /// <summary>Step 1 for a credential computed over the raw body (Slack's signature). Null when it holds.</summary>
    IResult? VerifyBody(HttpContext context, byte[] body);

    /// <summary>Step 2a: the body as the platform's payload, or the reason it is not one.</summary>
    InboundParse<TPayload> Parse(byte[] body);

    /// <summary>Step 2b: what the payload means for the bot. Throws <c>InboundRefusedException</c> to refuse it.</summary>
    ValueTask<InboundMapping> MapAsync(HttpContext context, TPayload payload, CancellationToken cancellationToken);

    /// <summary>
    /// Step 4: the platform's answer for <paramref name="outcome"/>; <paramref name="payload"/> is null when the body or
    /// payload was refused. Refusals are answered (and logged once) in the platform's shape.
    /// </summary>
    ValueTask<IResult> AcknowledgeAsync(HttpContext context, TPayload? payload, InboundOutcome outcome, CancellationToken cancellationToken);
}

/// <summary>A parsed payload, or the reason the body is not one.</summary>
public readonly record struct InboundParse<TPayload>(TPayload? Payload, string? Problem) where TPayload : class;

/// <summary>Makes an <see cref="InboundParse{TPayload}"/>.</summary>
public static class InboundParse
{
    public static InboundParse<TPayload> Ok<TPayload>(TPayload payload) where TPayload : class => new(payload, null);

    public static InboundParse<TPayload> Refused<TPayload>(string problem) where TPayload : class => new(null, problem);
}
