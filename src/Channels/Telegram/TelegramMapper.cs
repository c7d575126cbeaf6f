using System.Globalization;
using System.Text.Json;
using Bot.Pipeline;
using Bot.Pipeline.Model;
using Telegram.Bot.Types;
using Telegram.Bot.Types.Enums;

namespace Bot.Channels.Telegram;

/// <summary>What the bot is called, from <c>getMe</c>: a group message is for the bot only when it names it.</summary>
public sealed record TelegramBotIdentity(long Id, string Username);

/// <summary>An inbound update in neutral form, and the callback query to acknowledge, if any.</summary>
public sealed record TelegramInbound(IncomingMessage Message, string? CallbackQueryId);

/// <summary>What a Telegram conversation needs to be sent to later.</summary>
public sealed record TelegramReference(long ChatId, long? MessageThreadId);

/// <summary>Pure mapping of Telegram.Bot's <see cref="Update"/> to <see cref="IncomingMessage"/>; null = not for the bot.</summary>
public static class TelegramMapper
{
    public const string Channel = "telegram";

    /// <summary>How a <see cref="TelegramReference"/> is stored (snake_case, as it always was).</summary>
    public static readonly JsonSerializerOptions ReferenceJson = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowReadingFromString,
    };

    public static TelegramInbound? Map(Update update, TelegramBotIdentity bot)
    {
        var eventId = "update:" + update.Id.ToString(CultureInfo.InvariantCulture);
        if (update.CallbackQuery is { } query)
        {
            if (query.Message?.Chat is not { } chat)
            {
                return null; // an inline-mode button: no chat to answer in
            }
            if (query.From is null)
            {
                // The Bot API always names who pressed; the type says so too, but JSON null gets through its reader.
                throw new InboundRefusedException("callback_query.from is missing");
            }
            var action = TelegramCallbackData.Parse(query.Data);
            var message = Base(eventId, chat, query.Message, query.From) with
            {
                Action = action ?? new ActionInvoke("/unknown-button", new Dictionary<string, string>()),
                // A button acts in the thread of the message that carries it.
                ReplyToPlatformMessageId = MessageId(query.Message),
            };
            return new TelegramInbound(message, query.Id);
        }
        if (update.Message is { Chat: { } voiceChat, From: { IsBot: false } speaker, Text: null } spoken && VoiceOf(spoken) is { } voice
            && (voiceChat.Type is not (ChatType.Group or ChatType.Supergroup) || spoken.ReplyToMessage?.From?.Id == bot.Id))
        {
            // A voice note (or an audio file) in a private chat, or one answering the bot in a group: recorded with the
            // file's reference and transcribed in the turn. The text is what the history shows until then.
            return new TelegramInbound(Base(eventId, voiceChat, spoken, speaker) with
            {
                Text = VoicePlaceholder(voice.DurationSeconds),
                Voice = voice,
                ReplyToPlatformMessageId = spoken.ReplyToMessage?.From?.Id == bot.Id ? MessageId(spoken.ReplyToMessage) : null,
            }, null);
        }
        if (update.Message is not { Chat: { } messageChat, From: { } from, Text: { } text } incoming || from.IsBot)
        {
            return null; // edits, joins, photos without text, other bots
        }
        var isGroup = messageChat.Type is ChatType.Group or ChatType.Supergroup;
        if (isGroup)
        {
            if (!IsAddressed(incoming, text, bot))
            {
                return null;
            }
            text = StripMention(text, bot.Username);
        }
        else
        {
            text = StripCommandSuffix(text, bot.Username);
        }
        return new TelegramInbound(Base(eventId, messageChat, incoming, from) with
        {
            Text = text,
            // A reply to one of the bot's older messages resumes that message's thread.
            ReplyToPlatformMessageId = incoming.ReplyToMessage?.From?.Id == bot.Id ? MessageId(incoming.ReplyToMessage) : null,
        }, null);
    }

    /// <summary>The text a voice note is recorded with until its turn transcribes it.</summary>
    public static string VoicePlaceholder(int? seconds) =>
        seconds is { } s ? $"🎤 Voice note ({s.ToString(CultureInfo.InvariantCulture)} s)" : "🎤 Voice note";

    private static VoiceNote? VoiceOf(Message message) => message switch
    {
        { Voice: { } voice } => new VoiceNote { FileReference = voice.FileId, MimeType = voice.MimeType ?? "audio/ogg", DurationSeconds = voice.Duration, Size = voice.FileSize },
        { Audio: { } audio } => new VoiceNote { FileReference = audio.FileId, MimeType = audio.MimeType, DurationSeconds = audio.Duration, Size = audio.FileSize },
        _ => null,
    };

    /// <summary>The spec's message_id 0 marks a message not sent yet (so no message to find later).</summary>
    private static string? MessageId(Message? message) =>
        message is { Id: > 0 } ? message.Id.ToString(CultureInfo.InvariantCulture) : null;

    /// <summary>Unix seconds on the wire; 0 (an inaccessible message) reads as the epoch, as it always did.</summary>
    private static DateTimeOffset Timestamp(Message? message) =>
        message is null || message.Date == default
            ? DateTimeOffset.UnixEpoch
            : new DateTimeOffset(DateTime.SpecifyKind(message.Date, DateTimeKind.Utc));

    private static IncomingMessage Base(string eventId, Chat chat, Message? message, User from)
    {
        var isGroup = chat.Type is ChatType.Group or ChatType.Supergroup;
        long? topic = chat.IsForum && message is { IsTopicMessage: true } ? message.MessageThreadId : null;
        var chatId = chat.Id.ToString(CultureInfo.InvariantCulture);
        return new IncomingMessage
        {
            Address = new ConversationAddress(Channel, chatId, topic?.ToString(CultureInfo.InvariantCulture)),
            EventId = eventId,
            From = new Sender(from.Id.ToString(CultureInfo.InvariantCulture), DisplayName(from)),
            ThreadMode = topic is null ? ThreadMode.CurrentThreadPointer : ThreadMode.PlatformThreads,
            IsGroup = isGroup,
            Timestamp = Timestamp(message),
            ConversationReference = JsonSerializer.Serialize(new TelegramReference(chat.Id, topic), ReferenceJson),
        };
    }

    private static string? DisplayName(User user)
    {
        var name = string.Join(' ', new[] { user.FirstName, user.LastName }.Where(p => !string.IsNullOrWhiteSpace(p)));
        return name.Length > 0 ? name : user.Username;
    }

    /// <summary>In a group the bot answers a mention, a reply to one of its messages, or <c>/command@botname</c>.</summary>
    public static bool IsAddressed(Message message, string text, TelegramBotIdentity bot)
    {
        if (message.ReplyToMessage?.From?.Id == bot.Id)
        {
            return true;
        }
        return text.Contains("@" + bot.Username, StringComparison.OrdinalIgnoreCase);
    }

    private static string StripMention(string text, string username)
    {
        var stripped = StripCommandSuffix(text, username);
        var mention = "@" + username;
        var at = stripped.IndexOf(mention, StringComparison.OrdinalIgnoreCase);
        while (at >= 0)
        {
            stripped = stripped.Remove(at, mention.Length);
            at = stripped.IndexOf(mention, StringComparison.OrdinalIgnoreCase);
        }
        return string.Join(' ', stripped.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary><c>/buy@MyBot 5 AAPL</c> -> <c>/buy 5 AAPL</c>.</summary>
    private static string StripCommandSuffix(string text, string username)
    {
        var trimmed = text.TrimStart();
        if (!trimmed.StartsWith('/'))
        {
            return text;
        }
        var end = trimmed.IndexOf(' ', StringComparison.Ordinal);
        var command = end < 0 ? trimmed : trimmed[..end];
        var suffix = "@" + username;
        return command.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
            ? command[..^suffix.Length] + (end < 0 ? string.Empty : trimmed[end..])
            : trimmed;
    }
}
