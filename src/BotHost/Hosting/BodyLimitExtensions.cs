using Bot.Channels.Access;
using Microsoft.AspNetCore.Http.Metadata;

namespace Bot.BotHost.Hosting;

/// <summary>
/// Request bodies are bounded before anyone looks at a credential or a byte of the body. Kestrel's own limit
/// (<see cref="HttpOptions.MaxRequestBodyBytes"/>) caps every request, chunked or not; an endpoint that declares a
/// smaller one (<see cref="RequestBodies.WithBodyLimit"/>) gets it here, right after routing: a Content-Length over it
/// is refused with 413 at once, and the server is told the bound so a chunked body (or one nobody reads because the
/// request was refused first) is cut off there rather than read or drained in full.
/// </summary>
public static class BodyLimitExtensions
{
    public static WebApplicationBuilder LimitRequestBodies(this WebApplicationBuilder builder, HttpOptions http)
    {
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = http.MaxRequestBodyBytes);
        return builder;
    }

    /// <summary>Call after <c>UseRouting</c> (the endpoint names its bound) and before authentication.</summary>
    public static WebApplication UseBodyLimits(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize is { } limit)
            {
                if (context.Request.ContentLength > limit)
                {
                    await Refusals.Problem(context, StatusCodes.Status413PayloadTooLarge, $"the request body is larger than {limit} bytes").ExecuteAsync(context);
                    return;
                }
                RequestBodies.ApplyLimit(context, limit);
            }
            await next(context);
        });
        return app;
    }
}
