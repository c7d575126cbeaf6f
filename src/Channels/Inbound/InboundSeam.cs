using Bot.Channels.Access;
using Bot.Pipeline;
using Microsoft.AspNetCore.Http;

namespace Bot.Channels.Inbound;

/// <summary>
/// The one way a platform's payload enters the pipeline: verify -> map -> record -> acknowledge (steps 1-4 of the flow
/// in docs/architecture.md). HTTP doors (Teams, Direct Line, Slack's request URLs, Telegram's webhook) go through
/// <see cref="HandleAsync{TPayload}"/>; transports that verified and parsed by themselves (Slack Socket Mode, Telegram
/// long polling) go through <see cref="AcceptAsync"/>, the map-and-record core both share. A refusal anywhere is an
/// outcome, not an exception, and leaves nothing recorded.
/// </summary>
public sealed class InboundSeam(InboxRecorder recorder)
{
    /// <summary>Runs one HTTP request through every step and returns the platform's answer.</summary>
    public async Task<IResult> HandleAsync<TPayload>(HttpContext context, IInboundEndpoint<TPayload> endpoint, CancellationToken cancellationToken)
        where TPayload : class
    {
        if (await endpoint.VerifyHeadersAsync(context, cancellationToken) is { } denied)
        {
            return denied;
        }
        var read = await RequestBodies.ReadAsync(context.Request, endpoint.MaxBodyBytes, cancellationToken);
        if (!read.Ok)
        {
            return await endpoint.AcknowledgeAsync(context, null, InboundOutcome.Refused(InboundStage.Body, read.Status, read.Problem!), cancellationToken);
        }
        if (endpoint.VerifyBody(context, read.Bytes!) is { } forged)
        {
            return forged;
        }
        var parsed = endpoint.Parse(read.Bytes!);
        if (parsed.Payload is not { } payload)
        {
            return await endpoint.AcknowledgeAsync(context, null, InboundOutcome.Refused(InboundStage.Payload, StatusCodes.Status400BadRequest, parsed.Problem!), cancellationToken);
        }
        var outcome = await AcceptAsync(() => endpoint.MapAsync(context, payload, cancellationToken), cancellationToken);
        return await endpoint.AcknowledgeAsync(context, payload, outcome, cancellationToken);
    }

    /// <summary>
    /// Maps and records one verified payload. The platform may be told the message is kept only after this returns
    /// <see cref="InboundResult.Recorded"/> or <see cref="InboundResult.Duplicate"/>: the inbox row is committed by then.
    /// </summary>
    public async Task<InboundOutcome> AcceptAsync(Func<ValueTask<InboundMapping>> map, CancellationToken cancellationToken)
    {
        try
        {
            var mapping = await map();
            switch (mapping.Kind)
            {
                case InboundMappingKind.Record:
                    var message = BotTelemetry.CurrentTraceParent() is { } traceParent ? mapping.Message! with { TraceParent = traceParent } : mapping.Message!;
                    var record = await recorder.RecordAsync(message, mapping.Echo, cancellationToken);
                    BotTelemetry.InboundMessages.Add(1, new("channel", message.Address.Channel), new("result", record.Duplicate ? "duplicate" : "recorded"));
                    return new InboundOutcome(record.Duplicate ? InboundResult.Duplicate : InboundResult.Recorded, record);
                case InboundMappingKind.Answer:
                    return new InboundOutcome(InboundResult.Answered, Response: mapping.Response);
                case InboundMappingKind.ActNow:
                    return new InboundOutcome(InboundResult.Answered, Response: await mapping.Act!(cancellationToken));
                default:
                    return new InboundOutcome(InboundResult.Ignored);
            }
        }
        catch (InboundRefusedException refused)
        {
            // The mapper, the inbox's checks or the in-request action refused a field: nothing was recorded.
            return InboundOutcome.Refused(InboundStage.Message, StatusCodes.Status400BadRequest, refused.Reason);
        }
    }
}
