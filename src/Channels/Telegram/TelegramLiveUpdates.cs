using System.Globalization;
using System.Text.Json;
using Bot.Pipeline;
using Bot.Storage.Entities;
using Telegram.Bot;

namespace Bot.Channels.Telegram;

/// <summary>"typing…" through <c>sendChatAction</c>. Streamed text is not shown: the final reply arrives whole.</summary>
public sealed class TelegramLiveUpdates(ITelegramBotClient client) : ILiveUpdateSender
{
    public string Channel => TelegramMapper.Channel;

    public Task TypingAsync(Conversation conversation, CancellationToken cancellationToken)
    {
        if (!long.TryParse(conversation.Address, NumberStyles.Integer, CultureInfo.InvariantCulture, out var chatId))
        {
            return Task.CompletedTask;
        }
        var topic = JsonSerializer.Deserialize<TelegramReference>(conversation.Reference, TelegramMapper.ReferenceJson)?.MessageThreadId;
        return client.SendRequest(TelegramRequests.Typing(chatId, topic), cancellationToken);
    }

    public Task StreamTextAsync(Conversation conversation, string streamId, int sequence, string textSoFar, CancellationToken cancellationToken) =>
        Task.CompletedTask;
}
