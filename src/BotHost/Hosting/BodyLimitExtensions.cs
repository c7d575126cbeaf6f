using Bot.Channels.Access;
using Microsoft.AspNetCore.Http.Metadata;

namespace Bot.BotHost.Hosting;

/// <summary>
/// Request bodies are bounded before anyone looks at a credential or a byte of the body. Kestrel's own limit
/// (<see cref="HttpOptions.MaxRequestBodyBytes"/>) caps every request, chunked or not; an endpoint that declares a
/// smaller one (<see cref="RequestBodies.WithBodyLimit"/>) gets it here, right after routing and before any credential is
/// looked at: the server is told the bound, so a chunked body (or one nobody reads because the request was refused
/// first, such as a bad token) is cut off there rather than read or drained in full. The endpoint itself answers a body
/// over its bound (<see cref="RequestBodies.ReadAsync"/>), in its platform's error shape.
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
                RequestBodies.ApplyLimit(context, limit);
            }
            await next(context);
        });
        return app;
    }
}
