using Bot.Pipeline;
using Microsoft.Extensions.Logging;
using Telegram.Bot;
using Telegram.Bot.Exceptions;
using Telegram.Bot.Types;

namespace Bot.Channels.Telegram;

/// <summary>
/// The inbound path shared by polling and the webhook: map, record (inbox row + thread event, deduplicated on the
/// update id), then acknowledge a button press at once. The turn's reply says what the press did.
/// </summary>
public sealed class TelegramUpdateHandler(ITelegramBotClient client, TelegramBotInfo botInfo, InboxRecorder inbox, ILogger<TelegramUpdateHandler> logger)
{
    /// <summary>
    /// Handles one update; returns why it was refused (an id or field out of bounds), or null when it was recorded or is
    /// not for the bot. A refused update is not retried: Telegram would only send it again.
    /// </summary>
    public async Task<string?> HandleAsync(Update update, CancellationToken cancellationToken)
    {
        var bot = await botInfo.GetAsync(cancellationToken);
        TelegramInbound? inbound;
        InboundRecord record;
        try
        {
            inbound = TelegramMapper.Map(update, bot);
            if (inbound is null)
            {
                TelegramLog.Ignored(logger, update.Id);
                return null;
            }
            record = await inbox.RecordAsync(inbound.Message, cancellationToken);
        }
        catch (InboundRefusedException refused)
        {
            return refused.Reason;
        }
        TelegramLog.Recorded(logger, update.Id, record.Duplicate);
        if (inbound.CallbackQueryId is { } queryId)
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
        return null;
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
