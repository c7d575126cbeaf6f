using Bot.Channels.Inbound;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bot.Channels.Slack;

/// <summary>A slash command's form fields as they arrived on <c>/slack/commands</c>.</summary>
internal sealed record SlackCommandForm(IReadOnlyDictionary<string, string> Fields);

/// <summary><c>/slack/commands</c>: the <c>/money</c> slash command, recorded as the person's message; the answer follows in the channel.</summary>
internal sealed class SlackCommandInbound(SlackOptions options, SlackRequestVerifier verifier, SlackInbound inbound, ILogger logger)
    : SlackSignedInbound<SlackCommandForm>(options, verifier, inbound, logger)
{
    public override InboundParse<SlackCommandForm> Parse(byte[] body) =>
        ParseForm(body) is { } form
            ? InboundParse.Ok(new SlackCommandForm(form.ToDictionary(p => p.Key, p => p.Value.ToString())))
            : InboundParse.Refused<SlackCommandForm>("the body is not a form");

    public override ValueTask<InboundMapping> MapAsync(HttpContext context, SlackCommandForm payload, CancellationToken cancellationToken) =>
        Inbound.MapCommand(payload.Fields);
}
