using Telegram.Bot.Requests;
using Telegram.Bot.Types;
using Telegram.Bot.Types.Enums;
using Telegram.Bot.Types.ReplyMarkups;

namespace Bot.Channels.Telegram;

/// <summary>
/// Every Bot API call the channel makes, built as one Telegram.Bot request object and sent through
/// <c>ITelegramBotClient.SendRequest</c>. Built in one place so the conformance tests check exactly what is sent.
/// </summary>
public static class TelegramRequests
{
    /// <summary>The update kinds the channel reads; asked for in <c>getUpdates</c> and <c>setWebhook</c>.</summary>
    public static readonly IReadOnlyList<UpdateType> AllowedUpdates = [UpdateType.Message, UpdateType.CallbackQuery];

    /// <summary>The long-poll timeout, in seconds, asked of <c>getUpdates</c>.</summary>
    public const int LongPollSeconds = 25;

    public static SendMessageRequest SendMessage(long chatId, string text, ParseMode parseMode, long? topic, InlineKeyboardMarkup? keyboard) => new()
    {
        ChatId = chatId,
        Text = text,
        ParseMode = parseMode,
        MessageThreadId = ToInt(topic),
        ReplyMarkup = keyboard,
    };

    /// <summary>A null <paramref name="keyboard"/> leaves the message without buttons (a streamed piece); an empty one removes them.</summary>
    public static EditMessageTextRequest EditMessageText(long chatId, int messageId, string text, ParseMode parseMode, InlineKeyboardMarkup? keyboard) => new()
    {
        ChatId = chatId,
        MessageId = messageId,
        Text = text,
        ParseMode = parseMode,
        ReplyMarkup = keyboard,
    };

    public static AnswerCallbackQueryRequest AnswerCallbackQuery(string callbackQueryId) => new() { CallbackQueryId = callbackQueryId };

    public static SendChatActionRequest Typing(long chatId, long? topic) => new()
    {
        ChatId = chatId,
        Action = ChatAction.Typing,
        MessageThreadId = ToInt(topic),
    };

    public static GetUpdatesRequest GetUpdates(long? offset) => new()
    {
        Offset = offset is { } value ? checked((int)value) : null,
        Timeout = LongPollSeconds,
        AllowedUpdates = AllowedUpdates,
    };

    public static SetMyCommandsRequest SetMyCommands(IEnumerable<BotCommand> commands) => new() { Commands = commands };

    public static SetWebhookRequest SetWebhook(string url, string secretToken) => new()
    {
        Url = url,
        SecretToken = secretToken,
        AllowedUpdates = AllowedUpdates,
    };

    /// <summary>Polling and a webhook exclude each other; pending updates stay (drop_pending_updates defaults to false).</summary>
    public static DeleteWebhookRequest DeleteWebhook() => new();

    public static GetMeRequest GetMe() => new();

    /// <summary>The bot's default menu button (every private chat without its own) opens <paramref name="url"/> as a Mini App.</summary>
    public static SetChatMenuButtonRequest SetMiniAppMenuButton(string text, string url) => new()
    {
        MenuButton = new MenuButtonWebApp { Text = text, WebApp = new WebAppInfo { Url = url } },
    };

    private static int? ToInt(long? value) => value is { } v ? checked((int)v) : null;
}
