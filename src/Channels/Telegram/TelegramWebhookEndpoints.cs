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
using Telegram.Bot;
using Telegram.Bot.Types;

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
        Update? update;
        try
        {
            // Telegram.Bot's own reading of the Bot API (snake_case, Unix-second dates, polymorphic types).
            update = await JsonSerializer.DeserializeAsync<Update>(context.Request.Body, JsonBotAPI.Options, cancellationToken);
        }
        catch (Exception exception) when (exception is JsonException or ArgumentException)
        {
            // ArgumentException: a value Telegram.Bot's converters refuse (a date beyond DateTime's range).
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
