using System.Globalization;
using System.Text.Json;
using Bot.Pipeline;
using Bot.Storage.Entities;
using Microsoft.Extensions.Logging;
using Telegram.Bot;
using Telegram.Bot.Exceptions;
using Telegram.Bot.Types.Enums;

namespace Bot.Channels.Telegram;

/// <summary>
/// "typing…" through <c>sendChatAction</c>, and the reply as the model writes it: the first piece is sent as a
/// message, later ones edit it (whole text so far, at the pace of <see cref="TelegramStreams"/>), and the final reply,
/// sent by the outbox, edits it into the reply (<see cref="TelegramChannelSender"/>). Nothing here is retried: once
/// Telegram refuses a piece (flood limit, a deleted message, text over one message) the stream stops, and the final
/// reply still arrives.
/// </summary>
public sealed class TelegramLiveUpdates(ITelegramBotClient client, TelegramStreams streams, ILogger<TelegramLiveUpdates> logger) : ILiveUpdateSender
{
    public string Channel => TelegramMapper.Channel;

    public Task TypingAsync(Conversation conversation, CancellationToken cancellationToken)
    {
        if (!long.TryParse(conversation.Address, NumberStyles.Integer, CultureInfo.InvariantCulture, out var chatId))
        {
            return Task.CompletedTask;
        }
        return client.SendRequest(TelegramRequests.Typing(chatId, Topic(conversation)), cancellationToken);
    }

    public async Task StreamTextAsync(Conversation conversation, string streamId, int sequence, string textSoFar, CancellationToken cancellationToken)
    {
        if (!long.TryParse(conversation.Address, NumberStyles.Integer, CultureInfo.InvariantCulture, out var chatId) || string.IsNullOrWhiteSpace(textSoFar))
        {
            return;
        }
        var progress = streams.Track(streamId);
        if (progress.Stopped)
        {
            return;
        }
        var rendered = TelegramHtml.Render(textSoFar);
        if (rendered.Count != 1)
        {
            // Longer than one message: the final reply goes in parts, the first of them into this message.
            progress.Stopped = true;
            return;
        }
        var html = rendered[0];
        if (html == progress.LastHtml || !streams.TryPace(chatId, conversation.IsGroup))
        {
            return;
        }
        try
        {
            if (progress.MessageId is not { } messageId)
            {
                var topic = Topic(conversation);
                global::Telegram.Bot.Types.Message sent;
                try
                {
                    sent = await client.SendRequest(TelegramRequests.SendMessage(chatId, html, ParseMode.Html, topic, null), cancellationToken);
                }
                catch (ApiRequestException exception) when (exception.CannotParseEntities())
                {
                    sent = await client.SendRequest(TelegramRequests.SendMessage(chatId, TelegramHtml.Plain(html), ParseMode.None, topic, null), cancellationToken);
                }
                if (sent is not { Id: > 0 })
                {
                    progress.Stopped = true;
                    return;
                }
                progress.MessageId = sent.Id;
                await streams.RememberAsync(streamId, chatId, sent.Id, cancellationToken);
            }
            else
            {
                try
                {
                    await client.SendRequest(TelegramRequests.EditMessageText(chatId, messageId, html, ParseMode.Html, keyboard: null), cancellationToken);
                }
                catch (ApiRequestException exception) when (exception.NotModified())
                {
                }
                catch (ApiRequestException exception) when (exception.CannotParseEntities())
                {
                    await client.SendRequest(TelegramRequests.EditMessageText(chatId, messageId, TelegramHtml.Plain(html), ParseMode.None, keyboard: null), cancellationToken);
                }
            }
            progress.LastHtml = html;
        }
        catch (RequestException exception)
        {
            progress.Stopped = true;
            TelegramLog.StreamStopped(logger, sequence, TelegramChannelSender.ToResult(exception).ToString());
        }
    }

    private static long? Topic(Conversation conversation) =>
        JsonSerializer.Deserialize<TelegramReference>(conversation.Reference, TelegramMapper.ReferenceJson)?.MessageThreadId;
}
