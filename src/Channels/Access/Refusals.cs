using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bot.Channels.Access;

/// <summary>
/// How a request the bot will not take is answered: one warning line naming the endpoint and the reason (never the
/// input), and a response that says the reason. Most callers get a 4xx; a platform that retries every non-2xx
/// (Telegram's webhook, Slack's Events API) gets a 200 whose body carries <c>refused</c>, so a bad update is not
/// redelivered for hours and does not hold back the ones behind it.
/// </summary>
public static partial class Refusals
{
    public const string Category = "Bot.Channels.Refusals";

    /// <summary>A 4xx problem response with <paramref name="reason"/> as its detail.</summary>
    public static IResult Problem(HttpContext context, int status, string reason)
    {
        Log(context, status, reason);
        return Results.Problem(detail: reason, statusCode: status);
    }

    /// <summary>A 200 for a platform that must not retry, with <c>{"refused": reason}</c> as the body.</summary>
    public static IResult Acknowledged(HttpContext context, string reason)
    {
        Log(context, StatusCodes.Status200OK, reason);
        return Results.Json(new { refused = reason });
    }

    /// <summary>The one warning line of a refusal.</summary>
    public static void Log(HttpContext context, int status, string reason)
    {
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(Category);
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(no endpoint)";
        LogRefused(logger, context.Request.Method, route, status, reason);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Method} {Route} with {Status}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, string route, int status, string reason);
}
