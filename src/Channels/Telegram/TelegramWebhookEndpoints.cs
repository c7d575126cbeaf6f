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
        var settings = endpoints.ServiceProvider.GetRequiredService<IOptions<TelegramOptions>>().Value;
        endpoints.MapPost("/telegram/webhook", ReceiveAsync)
            .AllowAnonymous("platform webhook: the handler checks Telegram's secret header (Telegram:WebhookSecret) in constant time")
            .WithBodyLimit(settings.MaxUpdateBytes)
            .ExcludeFromDescription();
        return endpoints;
    }

    /// <summary>
    /// The secret is a header, so it is checked before a byte of the body is read. Telegram redelivers an update until it
    /// gets a 2xx and holds the later ones back meanwhile, so an authenticated update the bot cannot use is answered 200
    /// with the reason (and logged); only a wrong secret, or a body too large to read, gets a 4xx.
    /// </summary>
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
        var read = await RequestBodies.ReadAsync(context.Request, settings.MaxUpdateBytes, cancellationToken);
        if (!read.Ok)
        {
            return Refusals.Problem(context, read.Status, read.Problem!);
        }
        if (RequestBodies.CheckJson(read.Bytes) is { } problem)
        {
            return Refusals.Acknowledged(context, "the update was refused: " + problem);
        }
        Update? update;
        try
        {
            // Telegram.Bot's own reading of the Bot API (snake_case, Unix-second dates, polymorphic types).
            update = JsonSerializer.Deserialize<Update>(read.Bytes!, JsonBotAPI.Options);
        }
        catch (Exception exception) when (RequestBodies.IsDeserializationError(exception))
        {
            // Its converters refuse some values with more than JsonException (a date beyond DateTime's range overflows).
            return Refusals.Acknowledged(context, "the update was refused: " + RequestBodies.DescribeJsonError(exception));
        }
        if (update is null)
        {
            return Refusals.Acknowledged(context, "the update is JSON null");
        }
        if (await services.GetRequiredService<TelegramUpdateHandler>().HandleAsync(update, cancellationToken) is { } refused)
        {
            return Refusals.Acknowledged(context, refused);
        }
        return Results.Ok();
    }

    public static bool SecretMatches(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
