using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Channels.Telegram;

// The subset of the Bot API's types this channel reads (names as in the spec, snake_case on the wire).

public sealed record TgUpdate(long UpdateId, TgMessage? Message, TgMessage? EditedMessage, TgCallbackQuery? CallbackQuery);

public sealed record TgUser(long Id, bool IsBot, string? FirstName, string? LastName, string? Username);

public sealed record TgChat(long Id, string? Type, string? Title, string? Username, bool? IsForum);

public sealed record TgMessageEntity(string Type, int Offset, int Length);

public sealed record TgMessage(
    long? MessageId,
    long? MessageThreadId,
    TgUser? From,
    TgChat? Chat,
    long? Date,
    string? Text,
    bool? IsTopicMessage,
    TgMessage? ReplyToMessage,
    IReadOnlyList<TgMessageEntity>? Entities);

/// <summary><c>chat_instance</c> is required by the spec but the test server leaves it out, so it is optional here.</summary>
public sealed record TgCallbackQuery(string Id, TgUser From, TgMessage? Message, string? ChatInstance, string? Data);

public sealed record TgResponseParameters(long? MigrateToChatId, int? RetryAfter);

public sealed record TgResponse(bool Ok, JsonElement? Result, int? ErrorCode, string? Description, TgResponseParameters? Parameters);

public static class TelegramJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    /// <summary>Unix time in seconds per the spec; the test server sends milliseconds, which are told apart by size.</summary>
    public static DateTimeOffset FromUnix(long? value) => value switch
    {
        null or <= 0 => DateTimeOffset.UnixEpoch,
        > 100_000_000_000 => DateTimeOffset.FromUnixTimeMilliseconds(value.Value),
        _ => DateTimeOffset.FromUnixTimeSeconds(value.Value),
    };
}
