using System.Text.Json;
using Bot.Channels.Telegram;
using Bot.Tests.Support;

namespace Bot.Tests.Unit.Telegram;

/// <summary>What the client sends and reads, checked against Telegram's method list (shared/conformance/telegram/api.json).</summary>
public class TelegramConformanceTests
{
    private static readonly JsonElement Spec = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Conformance, "telegram", "api.json"))).RootElement;

    public static TheoryData<string, object> Requests() => new()
    {
        { "sendMessage", new SendMessageRequest(42, "<b>x</b>", "HTML", 7, new InlineKeyboardMarkup([[new InlineKeyboardButton("Approve", "p:approve:ab12cd34:0123456789ab")]])) },
        { "editMessageText", new EditMessageTextRequest(42, 5, "x", "HTML", new InlineKeyboardMarkup([])) },
        { "answerCallbackQuery", new AnswerCallbackQueryRequest("3", "ok") },
        { "sendChatAction", new SendChatActionRequest(42, "typing", 7) },
        { "getUpdates", new GetUpdatesRequest(10, 25, TelegramClient.AllowedUpdates) },
        { "setMyCommands", new SetMyCommandsRequest([new BotCommand("help", "What I can do")]) },
        { "setWebhook", new SetWebhookRequest("https://example.com/telegram/webhook", "s3cret", TelegramClient.AllowedUpdates) },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public void Each_request_names_only_fields_of_its_method_and_all_required_ones(string method, object request)
    {
        var spec = Spec.GetProperty("methods").GetProperty(method);
        var fields = spec.TryGetProperty("fields", out var f) ? f.EnumerateArray().ToList() : [];
        var sent = JsonSerializer.SerializeToElement(request, request.GetType(), TelegramJson.Options);
        foreach (var property in sent.EnumerateObject())
        {
            Assert.Contains(fields, field => field.GetProperty("name").GetString() == property.Name);
        }
        foreach (var required in fields.Where(field => field.GetProperty("required").GetBoolean()))
        {
            Assert.True(sent.TryGetProperty(required.GetProperty("name").GetString()!, out _), $"{method} lacks {required.GetProperty("name")}");
        }
    }

    [Theory]
    [InlineData(typeof(TgUpdate), "Update")]
    [InlineData(typeof(TgMessage), "Message")]
    [InlineData(typeof(TgUser), "User")]
    [InlineData(typeof(TgChat), "Chat")]
    [InlineData(typeof(TgCallbackQuery), "CallbackQuery")]
    [InlineData(typeof(TgMessageEntity), "MessageEntity")]
    [InlineData(typeof(InlineKeyboardButton), "InlineKeyboardButton")]
    [InlineData(typeof(BotCommand), "BotCommand")]
    public void Each_type_reads_only_fields_the_spec_defines(Type type, string specType)
    {
        var names = Spec.GetProperty("types").GetProperty(specType).GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("name").GetString()).ToHashSet();
        foreach (var property in type.GetProperties())
        {
            Assert.Contains(JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name), names);
        }
    }
}
