using System.Globalization;
using System.Text.Json;
using Bot.Pipeline.Model;
using Bot.Pipeline;
using Microsoft.Extensions.Logging;
using Telegram.Bot;
using Telegram.Bot.Exceptions;
using Telegram.Bot.Types;
using Telegram.Bot.Types.Enums;
using Telegram.Bot.Types.ReplyMarkups;

namespace Bot.Channels.Telegram;

/// <summary>
/// Renders an outgoing message as Telegram HTML (with a plain-text retry when Telegram rejects the entities) and
/// sends it, a long one in parts (at most <see cref="OutboundDelivery.MaxParts"/>, each recorded as it is delivered so
/// that a retry goes on from the first part not sent); an update edits the earlier message; a plan card gets an inline
/// keyboard. A reply that was streamed live (<see cref="TelegramStreams"/>) edits the streamed message into its first
/// part instead of posting a second message; if that message cannot be edited (deleted, too old) the reply is sent as
/// usual. Maps Bot API errors onto <see cref="SendResult"/>: 429 -> retry after, 403 -> unreachable, other 4xx ->
/// failed, 5xx and no answer -> retry.
/// </summary>
public sealed class TelegramChannelSender(ITelegramBotClient client, TelegramStreams streams, ILogger<TelegramChannelSender> logger) : IChannelSender
{
    public string Channel => TelegramMapper.Channel;

    public async Task<SendResult> SendAsync(OutboundDelivery delivery, CancellationToken cancellationToken)
    {
        if (!long.TryParse(delivery.ConversationAddress, NumberStyles.Integer, CultureInfo.InvariantCulture, out var chatId))
        {
            return new SendResult.Failed("The conversation address is not a Telegram chat id.");
        }
        var message = delivery.Message;
        var markdown = message.Card is { } card ? CardMarkdown.Render(card) : message.Text ?? string.Empty;
        var keyboard = Keyboard(message);
        long? topic = long.TryParse(message.ThreadKey, NumberStyles.Integer, CultureInfo.InvariantCulture, out var t) ? t : ThreadOf(delivery.ConversationReference);
        try
        {
            if (delivery.ReplacesPlatformMessageId is { } replaced && int.TryParse(replaced, NumberStyles.Integer, CultureInfo.InvariantCulture, out var messageId))
            {
                await EditAsync(chatId, messageId, markdown, keyboard, cancellationToken);
                return new SendResult.Sent(replaced);
            }
            if (message.StreamId is { } streamId && delivery.DeliveredParts.Count == 0
                && await streams.FindAsync(streamId, chatId, cancellationToken) is { } streamed
                && await EndStreamAsync(chatId, streamed, topic, markdown, keyboard, delivery, cancellationToken) is { } ended)
            {
                return new SendResult.Sent(ended);
            }
            return new SendResult.Sent(await SendPartsAsync(chatId, topic, markdown, keyboard, delivery, cancellationToken));
        }
        catch (RequestException exception)
        {
            return ToResult(exception);
        }
    }

    /// <summary>A Bot API error by its code; anything that got no Bot API answer is worth another try.</summary>
    public static SendResult ToResult(RequestException exception)
    {
        var description = exception is ApiRequestException ? exception.Message : $"HTTP {(int?)exception.HttpStatusCode}";
        return exception.ErrorCode() switch
        {
            429 => new SendResult.RetryLater(description, exception.RetryAfter()),
            403 => new SendResult.Unreachable(description),
            >= 500 => new SendResult.RetryLater(description, exception.RetryAfter()),
            { } code => new SendResult.Failed($"{code}: {description}"),
            null => new SendResult.RetryLater($"Telegram did not answer: {exception.Message}"),
        };
    }

    /// <summary>
    /// Sends the parts not yet delivered and returns the last one's id (the message that carries the buttons, which an
    /// update edits). Rendering and splitting are deterministic, so part indexes hold across attempts. sendMessage takes
    /// no idempotency key: a part sent just before a crash, and not yet recorded, is sent once more (that part only).
    /// </summary>
    private async Task<string> SendPartsAsync(long chatId, long? topic, string markdown, InlineKeyboardMarkup? keyboard, OutboundDelivery delivery, CancellationToken cancellationToken)
    {
        var parts = ReplyLimits.FitParts(markdown, delivery.MaxParts, text => TelegramHtml.Render(text));
        if (parts.Count == 0)
        {
            parts = ["…"];
        }
        var delivered = delivery.DeliveredParts;
        if (delivered.Count >= parts.Count)
        {
            return delivered[^1];
        }
        string? lastId = null;
        for (var i = delivered.Count; i < parts.Count; i++)
        {
            var markup = i == parts.Count - 1 ? keyboard : null; // the buttons go under the last part
            Message sent;
            try
            {
                sent = await client.SendRequest(TelegramRequests.SendMessage(chatId, parts[i], ParseMode.Html, topic, markup), cancellationToken);
            }
            catch (ApiRequestException exception) when (exception.CannotParseEntities())
            {
                // Telegram refused this part's markup: the same part as plain text, so the parts stay in step.
                sent = await client.SendRequest(TelegramRequests.SendMessage(chatId, TelegramHtml.Plain(parts[i]), ParseMode.None, topic, markup), cancellationToken);
            }
            lastId = Id(sent);
            if (i < parts.Count - 1)
            {
                await delivery.RecordPartAsync(i, lastId, cancellationToken);
            }
        }
        return lastId!;
    }

    /// <summary>
    /// The final reply of a stream: its first part edited into the streamed message (with the buttons when it is the only
    /// part), the rest sent after it. Editing to the same text again is harmless, so an attempt repeated after a crash
    /// edits rather than posts. Null when Telegram will not edit that message (400: deleted, too old): send instead.
    /// </summary>
    private async Task<string?> EndStreamAsync(long chatId, int streamed, long? topic, string markdown, InlineKeyboardMarkup? keyboard, OutboundDelivery delivery, CancellationToken cancellationToken)
    {
        var parts = ReplyLimits.FitParts(markdown, delivery.MaxParts, text => TelegramHtml.Render(text));
        var first = parts.Count > 0 ? parts[0] : "…";
        try
        {
            await EditHtmlAsync(chatId, streamed, first, parts.Count <= 1 ? keyboard : null, cancellationToken);
        }
        catch (ApiRequestException exception) when (exception.ErrorCode == 400)
        {
            TelegramLog.StreamNotEnded(logger, exception.Message);
            return null;
        }
        var id = streamed.ToString(CultureInfo.InvariantCulture);
        if (parts.Count <= 1)
        {
            return id;
        }
        await delivery.RecordPartAsync(0, id, cancellationToken);
        return await SendPartsAsync(chatId, topic, markdown, keyboard, delivery with { DeliveredParts = [id] }, cancellationToken);
    }

    private Task EditAsync(long chatId, int messageId, string markdown, InlineKeyboardMarkup? keyboard, CancellationToken cancellationToken)
    {
        // An edit replaces one message: a card is short; anything longer keeps its first part.
        var rendered = TelegramHtml.Render(markdown);
        return EditHtmlAsync(chatId, messageId, rendered.Count > 0 ? rendered[0] : "…", keyboard ?? Empty(), cancellationToken);
    }

    private async Task EditHtmlAsync(long chatId, int messageId, string html, InlineKeyboardMarkup? keyboard, CancellationToken cancellationToken)
    {
        try
        {
            await client.SendRequest(TelegramRequests.EditMessageText(chatId, messageId, html, ParseMode.Html, keyboard), cancellationToken);
        }
        catch (ApiRequestException exception) when (exception.NotModified())
        {
        }
        catch (ApiRequestException exception) when (exception.CannotParseEntities())
        {
            await client.SendRequest(TelegramRequests.EditMessageText(chatId, messageId, TelegramHtml.Plain(html), ParseMode.None, keyboard), cancellationToken);
        }
    }

    /// <summary>An empty keyboard removes the buttons of a decided card.</summary>
    private static InlineKeyboardMarkup Empty() => new();

    /// <summary>message_id 0 is a message Telegram has not sent yet (spec): it cannot be edited later, so it is no id.</summary>
    private static string Id(Message? sent) =>
        sent is { Id: > 0 } ? sent.Id.ToString(CultureInfo.InvariantCulture) : throw new RequestException("sendMessage answered without a message_id");

    public static InlineKeyboardMarkup? Keyboard(OutgoingMessage message)
    {
        var buttons = message.Card is { } card
            ? card.Buttons.Select(b => (b.Label, Data: TelegramCallbackData.For(b.ToInvoke())))
            : (message.Buttons ?? []).Select(b => (b.Label, Data: TelegramCallbackData.For(new ActionInvoke(b.Action, b.Data ?? new Dictionary<string, string>()))));
        var row = buttons.Where(b => b.Data is not null).Select(b => InlineKeyboardButton.WithCallbackData(b.Label, b.Data!)).ToList();
        if (row.Count == 0)
        {
            return null;
        }
        // Two buttons a row keeps labels readable on a phone.
        return new InlineKeyboardMarkup(row.Chunk(2).Select(r => (IEnumerable<InlineKeyboardButton>)r).ToList());
    }

    private static long? ThreadOf(string reference)
    {
        try
        {
            return JsonSerializer.Deserialize<TelegramReference>(reference, TelegramMapper.ReferenceJson)?.MessageThreadId;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
