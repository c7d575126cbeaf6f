using Bot.Channels.Access;
using Microsoft.AspNetCore.Http;

namespace Bot.Channels.Web;

/// <summary>Direct Line's error body (<c>{"error":{"code","message"}}</c>), which Web Chat and directlinejs read.</summary>
internal static class DirectLineErrors
{
    public static IResult Forbidden(HttpContext context) =>
        Refused(context, StatusCodes.Status403Forbidden, "BadArgument", "The token is missing, expired, or not for this conversation.");

    /// <summary>A refusal in Direct Line's error shape, logged once.</summary>
    public static IResult Refused(HttpContext context, int status, string code, string message)
    {
        Refusals.Log(context, status, message);
        return Error(status, code, message);
    }

    public static IResult Error(int status, string code, string message) =>
        Results.Json(new { error = new { code, message } }, statusCode: status);
}
