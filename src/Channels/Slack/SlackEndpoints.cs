using Bot.Channels.Access;
using Bot.Channels.Inbound;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bot.Channels.Slack;

/// <summary>
/// Slack's three request URLs: the Events API, interactivity (button presses) and the <c>/money</c> slash command. Each
/// is a door of the <see cref="InboundSeam"/>: verified on its raw bytes before anything parses it, then recorded in
/// the inbox, then acknowledged.
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
        group.MapPost("/events", ([AsParameters] Door door) =>
            door.Seam.HandleAsync(door.Context, new SlackEventsInbound(door.Options.Value, door.Verifier, door.Inbound, door.Logger), door.Aborted))
            .AllowAnonymous(SignedBySlack);
        group.MapPost("/interactivity", ([AsParameters] Door door) =>
            door.Seam.HandleAsync(door.Context, new SlackInteractivityInbound(door.Options.Value, door.Verifier, door.Inbound, door.Logger), door.Aborted))
            .AllowAnonymous(SignedBySlack);
        group.MapPost("/commands", ([AsParameters] Door door) =>
            door.Seam.HandleAsync(door.Context, new SlackCommandInbound(door.Options.Value, door.Verifier, door.Inbound, door.Logger), door.Aborted))
            .AllowAnonymous(SignedBySlack);
        return endpoints;
    }

    /// <summary>What every Slack door needs, bound per request.</summary>
    private readonly record struct Door(HttpContext Context, InboundSeam Seam, IOptions<SlackOptions> Options, SlackRequestVerifier Verifier, SlackInbound Inbound, ILogger<SlackRequestVerifier> Logger, CancellationToken Aborted);
}
