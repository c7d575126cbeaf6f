namespace Bot.Channels.Telegram;

// One record per outbound call, named after the Bot API method; serialized in snake_case.

public sealed record InlineKeyboardButton(string Text, string CallbackData);

public sealed record InlineKeyboardMarkup(IReadOnlyList<IReadOnlyList<InlineKeyboardButton>> InlineKeyboard);

public sealed record SendMessageRequest(long ChatId, string Text, string? ParseMode = null, long? MessageThreadId = null, InlineKeyboardMarkup? ReplyMarkup = null);

public sealed record EditMessageTextRequest(long ChatId, long MessageId, string Text, string? ParseMode = null, InlineKeyboardMarkup? ReplyMarkup = null);

public sealed record AnswerCallbackQueryRequest(string CallbackQueryId, string? Text = null);

public sealed record SendChatActionRequest(long ChatId, string Action, long? MessageThreadId = null);

public sealed record GetUpdatesRequest(long? Offset, int Timeout, IReadOnlyList<string> AllowedUpdates);

public sealed record BotCommand(string Command, string Description);

public sealed record SetMyCommandsRequest(IReadOnlyList<BotCommand> Commands);

public sealed record SetWebhookRequest(string Url, string SecretToken, IReadOnlyList<string> AllowedUpdates);
