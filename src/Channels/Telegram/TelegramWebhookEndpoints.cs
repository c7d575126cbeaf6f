using System.Security.Cryptography;
using System.Text;
using Bot.Channels.Access;
using Bot.Channels.Inbound;
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
        var settings = endpoints.ServiceProvider.GetRequiredService<IOptions<TelegramOptions>>().Value;
        endpoints.MapPost("/telegram/webhook", ReceiveAsync)
            .AllowAnonymous("platform webhook: the handler checks Telegram's secret header (Telegram:WebhookSecret) in constant time")
            .WithBodyLimit(settings.MaxUpdateBytes)
            .ExcludeFromDescription();
        return endpoints;
    }

    private static Task<IResult> ReceiveAsync(HttpContext context, IOptions<TelegramOptions> options, IServiceProvider services, InboundSeam seam, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        seam.HandleAsync(context, new TelegramWebhookInbound(options.Value, services, loggers.CreateLogger(typeof(TelegramWebhookEndpoints))), cancellationToken);

    public static bool SecretMatches(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
