using Bot.Channels.Web;
using Microsoft.Extensions.Options;

namespace Bot.BotHost.Hosting;

/// <summary>
/// Guards the page and the JSON API with <see cref="OwnerAccess"/>. With an access key, <c>/?key=KEY</c> stores it
/// in an HTTP-only cookie and redirects to a clean URL, so the key does not stay in the address bar or history.
/// </summary>
public static class OwnerAccessGate
{
    public static IApplicationBuilder UseOwnerAccessGate(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var path = context.Request.Path;
        // The owner's surfaces. Platform endpoints (/api/messages, /slack, /telegram) authenticate their callers themselves.
        var guarded = path == "/" || path.StartsWithSegments("/index.html") || path.StartsWithSegments("/api/threads") || path.StartsWithSegments("/openapi");
        if (!guarded)
        {
            await next(context);
            return;
        }

        var access = context.RequestServices.GetRequiredService<OwnerAccess>();
        if (path == "/" && context.Request.Query.TryGetValue("key", out var key) && access.IsAccessKey(key))
        {
            context.Response.Cookies.Append(OwnerAccess.CookieName, key.ToString(), new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = context.Request.IsHttps,
                MaxAge = TimeSpan.FromDays(30),
            });
            context.Response.Redirect("/");
            return;
        }
        if (!access.IsOwner(context))
        {
            var options = context.RequestServices.GetRequiredService<IOptions<WebOptions>>().Value;
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await context.Response.WriteAsync(string.IsNullOrEmpty(options.AccessKey)
                ? "This web chat answers only on this machine."
                : "This web chat needs its access key: open /?key=YOUR_KEY once (Web:AccessKey).");
            return;
        }
        await next(context);
    });
}
