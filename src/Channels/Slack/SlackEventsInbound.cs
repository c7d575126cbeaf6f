using System.Text.Json;
using Bot.Channels.Access;
using Bot.Channels.Inbound;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bot.Channels.Slack;

/// <summary>An Events API envelope as it arrived on <c>/slack/events</c>.</summary>
internal sealed record SlackEventEnvelope(JsonElement Root);

/// <summary>
/// <c>/slack/events</c>. The Events API retries anything but a 200 (three times, and counts failures against the app),
/// so a signed event the bot cannot use is answered 200 with the reason; only a body that is not a JSON object gets a 4xx.
/// </summary>
internal sealed class SlackEventsInbound(SlackOptions options, SlackRequestVerifier verifier, SlackInbound inbound, ILogger logger)
    : SlackSignedInbound<SlackEventEnvelope>(options, verifier, inbound, logger)
{
    public override InboundParse<SlackEventEnvelope> Parse(byte[] body)
    {
        var (root, problem) = JsonObject(body, "the body");
        return problem is null ? InboundParse.Ok(new SlackEventEnvelope(root)) : InboundParse.Refused<SlackEventEnvelope>(problem);
    }

    public override ValueTask<InboundMapping> MapAsync(HttpContext context, SlackEventEnvelope payload, CancellationToken cancellationToken) =>
        JsonMembers.Text(payload.Root, "type") == "url_verification"
            ? ValueTask.FromResult(InboundMapping.Answer(Results.Ok(new { challenge = JsonMembers.Text(payload.Root, "challenge") })))
            : Inbound.MapEventAsync(payload.Root, cancellationToken);

    public override ValueTask<IResult> AcknowledgeAsync(HttpContext context, SlackEventEnvelope? payload, InboundOutcome outcome, CancellationToken cancellationToken)
    {
        if (outcome.Result == InboundResult.Refused && outcome.Stage == InboundStage.Message)
        {
            return ValueTask.FromResult(Refusals.Acknowledged(context, outcome.Reason!));
        }
        if (payload is not null)
        {
            Inbound.NoteDuplicate(payload.Root, context.Request.Headers["X-Slack-Retry-Num"].ToString(), outcome);
        }
        return base.AcknowledgeAsync(context, payload, outcome, cancellationToken);
    }
}
