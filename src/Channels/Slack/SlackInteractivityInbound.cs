using System.Text;
using System.Text.Json;
using Bot.Channels.Inbound;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bot.Channels.Slack;

/// <summary>An interactivity payload (the <c>payload</c> field of the form) as it arrived on <c>/slack/interactivity</c>.</summary>
internal sealed record SlackInteraction(JsonElement Payload);

/// <summary><c>/slack/interactivity</c>: button presses, recorded before the 200 (Slack shows an error after 3 s without one).</summary>
internal sealed class SlackInteractivityInbound(SlackOptions options, SlackRequestVerifier verifier, SlackInbound inbound, ILogger logger)
    : SlackSignedInbound<SlackInteraction>(options, verifier, inbound, logger)
{
    public override InboundParse<SlackInteraction> Parse(byte[] body)
    {
        if (ParseForm(body) is not { } form || !form.TryGetValue("payload", out var payloadText))
        {
            return InboundParse.Refused<SlackInteraction>("the body is not a form with a payload field");
        }
        var (root, problem) = JsonObject(Encoding.UTF8.GetBytes(payloadText.ToString()), "payload");
        return problem is null ? InboundParse.Ok(new SlackInteraction(root)) : InboundParse.Refused<SlackInteraction>(problem);
    }

    public override ValueTask<InboundMapping> MapAsync(HttpContext context, SlackInteraction payload, CancellationToken cancellationToken) =>
        SlackInbound.MapInteraction(payload.Payload);
}
