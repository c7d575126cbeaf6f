using Bot.Channels.Access;
using Bot.Pipeline;
using Microsoft.AspNetCore.Diagnostics;

namespace Bot.BotHost.Hosting;

/// <summary>
/// The net under every endpoint for input refused where it was found rather than where the endpoint expected it: an
/// <see cref="InboundRefusedException"/> from the inbox (an id out of bounds) becomes a 400 with its reason, and the
/// server's <see cref="BadHttpRequestException"/> (a body over the limit, a broken chunk) its own 4xx. Each is one
/// warning line, not an unhandled exception; anything else stays a 500 for the default handler to log.
/// </summary>
public sealed class RefusedInputExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, reason) = exception switch
        {
            InboundRefusedException refused => (StatusCodes.Status400BadRequest, refused.Reason),
            BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status413PayloadTooLarge => (bad.StatusCode, "the request body is too large"),
            BadHttpRequestException bad => (bad.StatusCode, "the request is malformed (its body is incomplete or badly framed)"),
            _ => (0, null),
        };
        if (reason is null || httpContext.Response.HasStarted)
        {
            return false;
        }
        httpContext.Response.Clear();
        await Refusals.Problem(httpContext, status, reason).ExecuteAsync(httpContext);
        return true;
    }
}
