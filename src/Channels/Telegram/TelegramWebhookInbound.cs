using Bot.Channels.Access;
using Bot.Channels.Inbound;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Telegram.Bot;
using Telegram.Bot.Types;

namespace Bot.Channels.Telegram;

/// <summary>
/// <c>POST /telegram/webhook</c> as a door of the <see cref="InboundSeam"/>. The secret is a header, so it is checked
/// before a byte of the body is read. Telegram redelivers an update until it gets a 2xx and holds the later ones back
/// meanwhile, so an authenticated update the bot cannot use is answered 200 with the reason (and logged); only a wrong
/// secret, or a body too large to read, gets a 4xx.
/// </summary>
internal sealed class TelegramWebhookInbound(TelegramOptions options, IServiceProvider services, ILogger logger) : IInboundEndpoint<Update>
{
    public long MaxBodyBytes => options.MaxUpdateBytes;

    public ValueTask<IResult?> VerifyHeadersAsync(HttpContext context, CancellationToken cancellationToken)
    {
        if (!options.Enabled || !options.IsWebhook)
        {
            return ValueTask.FromResult<IResult?>(Results.NotFound());
        }
        if (!TelegramWebhookEndpoints.SecretMatches(context.Request.Headers[TelegramWebhookEndpoints.SecretHeader].ToString(), options.WebhookSecret!))
        {
            TelegramLog.WebhookRefused(logger);
            return ValueTask.FromResult<IResult?>(Results.Unauthorized());
        }
        return ValueTask.FromResult<IResult?>(null);
    }

    public IResult? VerifyBody(HttpContext context, byte[] body) => null;

    // Telegram.Bot's own reading of the Bot API (snake_case, Unix-second dates, polymorphic types).
    public InboundParse<Update> Parse(byte[] body) => InboundJson.Parse<Update>(body, JsonBotAPI.Options, "an update object");

    // Resolved per request: the handler exists only when Telegram is on, and this door answers 404 before it is needed otherwise.
    public ValueTask<InboundMapping> MapAsync(HttpContext context, Update update, CancellationToken cancellationToken) =>
        services.GetRequiredService<TelegramUpdateHandler>().MapAsync(update, cancellationToken);

    public async ValueTask<IResult> AcknowledgeAsync(HttpContext context, Update? update, InboundOutcome outcome, CancellationToken cancellationToken)
    {
        if (outcome.Result == InboundResult.Refused)
        {
            return outcome.Stage == InboundStage.Body
                ? Refusals.Problem(context, outcome.Status, outcome.Reason!)
                : Refusals.Acknowledged(context, "the update was refused: " + outcome.Reason);
        }
        await services.GetRequiredService<TelegramUpdateHandler>().AcknowledgeAsync(update!, outcome, cancellationToken);
        return Results.Ok();
    }
}
