using System.Globalization;
using System.Text.Json;
using Bot.Pipeline.Model;
using Bot.Pipeline;

namespace Bot.Channels.Telegram;

/// <summary>
/// Renders an outgoing message as Telegram HTML (with a plain-text retry when Telegram rejects the entities) and
/// sends it; an update edits the earlier message; a plan card gets an inline keyboard. Maps Bot API errors onto
/// <see cref="SendResult"/>: 429 -> retry after, 403 -> unreachable, other 4xx -> failed.
/// </summary>
public sealed class TelegramChannelSender(TelegramClient client) : IChannelSender
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
            if (delivery.ReplacesPlatformMessageId is { } replaced && long.TryParse(replaced, NumberStyles.Integer, CultureInfo.InvariantCulture, out var messageId))
            {
                await EditAsync(chatId, messageId, markdown, keyboard, cancellationToken);
                return new SendResult.Sent(replaced);
            }
            return new SendResult.Sent(await SendPartsAsync(chatId, topic, markdown, keyboard, cancellationToken));
        }
        catch (TelegramApiException exception)
        {
            return exception.ErrorCode switch
            {
                429 => new SendResult.RetryLater(exception.Description, exception.RetryAfter),
                403 => new SendResult.Unreachable(exception.Description),
                >= 500 => new SendResult.RetryLater(exception.Description, exception.RetryAfter),
                _ => new SendResult.Failed($"{exception.ErrorCode}: {exception.Description}"),
            };
        }
        catch (TelegramTransportException exception)
        {
            return new SendResult.RetryLater(exception.Message);
        }
    }

    private async Task<string> SendPartsAsync(long chatId, long? topic, string markdown, InlineKeyboardMarkup? keyboard, CancellationToken cancellationToken)
    {
        var parts = TelegramHtml.Render(markdown);
        if (parts.Count == 0)
        {
            parts = ["…"];
        }
        string? lastId = null;
        for (var i = 0; i < parts.Count; i++)
        {
            var markup = i == parts.Count - 1 ? keyboard : null; // the buttons go under the last part
            TgMessage? sent;
            try
            {
                sent = await client.SendMessageAsync(new SendMessageRequest(chatId, parts[i], "HTML", topic, markup), cancellationToken);
            }
            catch (TelegramApiException exception) when (exception.CannotParseEntities)
            {
                sent = null;
                foreach (var plain in TelegramHtml.PlainParts(markdown))
                {
                    sent = await client.SendMessageAsync(new SendMessageRequest(chatId, plain, null, topic, keyboard), cancellationToken);
                }
                return Id(sent);
            }
            lastId = Id(sent);
        }
        return lastId!;
    }

    private async Task EditAsync(long chatId, long messageId, string markdown, InlineKeyboardMarkup? keyboard, CancellationToken cancellationToken)
    {
        // An edit replaces one message: a card is short; anything longer keeps its first part.
        var rendered = TelegramHtml.Render(markdown);
        var html = rendered.Count > 0 ? rendered[0] : "…";
        try
        {
            await client.EditMessageTextAsync(new EditMessageTextRequest(chatId, messageId, html, "HTML", keyboard ?? Empty), cancellationToken);
        }
        catch (TelegramApiException exception) when (exception.NotModified)
        {
        }
        catch (TelegramApiException exception) when (exception.CannotParseEntities)
        {
            var plainParts = TelegramHtml.PlainParts(markdown);
            var plain = plainParts.Count > 0 ? plainParts[0] : "…";
            await client.EditMessageTextAsync(new EditMessageTextRequest(chatId, messageId, plain, null, keyboard ?? Empty), cancellationToken);
        }
    }

    /// <summary>An empty keyboard removes the buttons of a decided card.</summary>
    private static readonly InlineKeyboardMarkup Empty = new([]);

    private static string Id(TgMessage? sent) =>
        sent?.MessageId?.ToString(CultureInfo.InvariantCulture) ?? throw new TelegramTransportException("sendMessage", "the answer carried no message_id");

    public static InlineKeyboardMarkup? Keyboard(OutgoingMessage message)
    {
        var buttons = message.Card is { } card
            ? card.Buttons.Select(b => (b.Label, Data: TelegramCallbackData.For(b.ToInvoke())))
            : (message.Buttons ?? []).Select(b => (b.Label, Data: TelegramCallbackData.For(new ActionInvoke(b.Action, b.Data ?? new Dictionary<string, string>()))));
        var row = buttons.Where(b => b.Data is not null).Select(b => new InlineKeyboardButton(b.Label, b.Data!)).ToList();
        if (row.Count == 0)
        {
            return null;
        }
        // Two buttons a row keeps labels readable on a phone.
        return new InlineKeyboardMarkup(row.Chunk(2).Select(r => (IReadOnlyList<InlineKeyboardButton>)r).ToList());
    }

    private static long? ThreadOf(string reference)
    {
        try
        {
            return JsonSerializer.Deserialize<TelegramReference>(reference, TelegramJson.Options)?.MessageThreadId;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
