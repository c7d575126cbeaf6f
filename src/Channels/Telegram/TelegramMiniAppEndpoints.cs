using Bot.Channels.Access;
using Bot.Channels.Web;
using Bot.Pipeline.Threads;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Bot.Channels.Telegram;

/// <summary>What the Mini App page posts: Telegram's <c>initData</c> string, as Telegram handed it to the page.</summary>
public sealed record TelegramMiniAppSignIn(string? InitData);

/// <summary>
/// <c>POST /auth/telegram</c>: the web app opened as a Telegram Mini App (the bot's menu button) signs its person in.
/// The proof is Telegram's signature over initData (<see cref="TelegramInitData"/>), made with this bot's token, and
/// recent; the Telegram account must be one the bot already knows (it has written to the bot), and signs in as the
/// person that account belongs to.
/// </summary>
public static class TelegramMiniAppEndpoints
{
    public const string Path = "/auth/telegram";

    public static IEndpointRouteBuilder MapTelegramMiniApp(this IEndpointRouteBuilder endpoints)
    {
        if (endpoints.ServiceProvider.GetRequiredService<IOptions<TelegramOptions>>().Value.Enabled)
        {
            endpoints.MapPost(Path, SignInAsync)
                .AllowAnonymous("Telegram Mini App sign-in: the handler checks Telegram's HMAC over initData with the bot token, and its auth_date")
                .WithBodyLimit(TelegramInitData.MaxLength * 2)
                .ExcludeFromDescription();
        }
        return endpoints;
    }

    private static async Task<IResult> SignInAsync(
        HttpContext context,
        TelegramMiniAppSignIn body,
        IOptions<TelegramOptions> options,
        ThreadQueries queries,
        WebSessions sessions,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var check = TelegramInitData.Validate(body.InitData, settings.BotToken!, clock.GetUtcNow(), TimeSpan.FromSeconds(settings.MiniAppMaxAgeSeconds));
        if (!check.Valid)
        {
            return Refusals.Problem(context, StatusCodes.Status401Unauthorized, check.Problem!);
        }
        var platformUserId = check.UserId!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (await queries.UserForIdentityAsync(TelegramMapper.Channel, platformUserId, cancellationToken) is not { } userId)
        {
            return Refusals.Problem(context, StatusCodes.Status403Forbidden, "this Telegram account has not written to the bot yet: send it /start, then open the app again");
        }
        await sessions.SignInAsync(context, userId, WebSessions.TelegramMiniAppMethod, cancellationToken);
        return Results.NoContent();
    }
}
