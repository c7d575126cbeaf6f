using Bot.Channels.Inbound;
using Microsoft.Extensions.Logging;
using Telegram.Bot;
using Telegram.Bot.Exceptions;
using Telegram.Bot.Types;

namespace Bot.Channels.Telegram;

/// <summary>
/// Telegram's half of the <see cref="InboundSeam"/>, shared by long polling and the webhook: map an update (steps 2),
/// and acknowledge a button press once it is recorded (step 4: the spinner stops; the turn's reply says what the press
/// did). The webhook's door is <see cref="TelegramWebhookInbound"/>; polling calls <see cref="HandleAsync"/>.
/// </summary>
public sealed class TelegramUpdateHandler(ITelegramBotClient client, TelegramBotInfo botInfo, InboundSeam seam, ILogger<TelegramUpdateHandler> logger)
{
    /// <summary>
    /// Maps, records and acknowledges one update that arrived by polling; returns why it was refused (an id or field out
    /// of bounds), or null when it was recorded or is not for the bot. A refused update is not retried: Telegram would
    /// only send it again.
    /// </summary>
    public async Task<string?> HandleAsync(Update update, CancellationToken cancellationToken)
    {
        var outcome = await seam.AcceptAsync(() => MapAsync(update, cancellationToken), cancellationToken);
        await AcknowledgeAsync(update, outcome, cancellationToken);
        return outcome.Result == InboundResult.Refused ? outcome.Reason : null;
    }

    /// <summary>The update in neutral form, or nothing when it is not for the bot (an edit, a service message, another bot's button).</summary>
    public async ValueTask<InboundMapping> MapAsync(Update update, CancellationToken cancellationToken)
    {
        var bot = await botInfo.GetAsync(cancellationToken);
        if (TelegramMapper.Map(update, bot) is not { } inbound)
        {
            TelegramLog.Ignored(logger, update.Id);
            return InboundMapping.Ignore();
        }
        return InboundMapping.Record(inbound.Message);
    }

    /// <summary>Once the update is kept, a button press is answered so the client stops its spinner.</summary>
    public async Task AcknowledgeAsync(Update update, InboundOutcome outcome, CancellationToken cancellationToken)
    {
        if (!outcome.IsKept)
        {
            return;
        }
        TelegramLog.Recorded(logger, update.Id, outcome.Result == InboundResult.Duplicate);
        if (update.CallbackQuery?.Id is { } queryId)
        {
            try
            {
                await client.SendRequest(TelegramRequests.AnswerCallbackQuery(queryId), cancellationToken);
            }
            catch (RequestException exception)
            {
                TelegramLog.AnswerFailed(logger, exception); // the spinner stops by itself; the reply still comes
            }
        }
    }
}

/// <summary>The bot's own identity from <c>getMe</c>, fetched once (retrying) and cached.</summary>
public sealed class TelegramBotInfo(ITelegramBotClient client, ILogger<TelegramBotInfo> logger) : IDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private TelegramBotIdentity? identity;

    public async Task<TelegramBotIdentity> GetAsync(CancellationToken cancellationToken)
    {
        if (identity is { } known)
        {
            return known;
        }
        await gate.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 1; identity is null; attempt++)
            {
                try
                {
                    var me = await client.SendRequest(TelegramRequests.GetMe(), cancellationToken);
                    identity = new TelegramBotIdentity(me.Id, me.Username ?? string.Empty);
                }
                catch (RequestException exception)
                {
                    var delay = TelegramRetry.Backoff.After(attempt);
                    TelegramLog.CallFailed(logger, exception, "getMe", delay);
                    await Task.Delay(delay, cancellationToken);
                }
            }
            return identity;
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose() => gate.Dispose();
}
