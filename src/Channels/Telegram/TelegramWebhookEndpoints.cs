using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bot.Channels.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bot.Channels.Telegram;

/// <summary><c>POST /telegram/webhook</c>: verify the secret header, record the update, then answer 200.</summary>
public static class TelegramWebhookEndpoints
{
    public const string SecretHeader = "X-Telegram-Bot-Api-Secret-Token";

    public static IEndpointRouteBuilder MapTelegramWebhook(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/telegram/webhook", ReceiveAsync)
            .AllowAnonymous("platform webhook: the handler checks Telegram's secret header (Telegram:WebhookSecret) in constant time")
            .ExcludeFromDescription();
        return endpoints;
    }

    private static async Task<IResult> ReceiveAsync(HttpContext context, IOptions<TelegramOptions> options, IServiceProvider services, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.Enabled || !settings.IsWebhook)
        {
            return Results.NotFound();
        }
        if (!SecretMatches(context.Request.Headers[SecretHeader].ToString(), settings.WebhookSecret!))
        {
            TelegramLog.WebhookRefused(loggers.CreateLogger(typeof(TelegramWebhookEndpoints)));
            return Results.Unauthorized();
        }
        TgUpdate? update;
        try
        {
            update = await JsonSerializer.DeserializeAsync<TgUpdate>(context.Request.Body, TelegramJson.Options, cancellationToken);
        }
        catch (JsonException)
        {
            return Results.BadRequest();
        }
        if (update is null)
        {
            return Results.BadRequest();
        }
        await services.GetRequiredService<TelegramUpdateHandler>().HandleAsync(update, cancellationToken);
        return Results.Ok();
    }

    public static bool SecretMatches(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
