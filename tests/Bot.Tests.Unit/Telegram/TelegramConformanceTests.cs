using System.Text.Json;
using Bot.Channels.Telegram;
using Bot.Tests.Support;
using Telegram.Bot;
using Telegram.Bot.Types;
using Telegram.Bot.Types.Enums;
using Telegram.Bot.Types.ReplyMarkups;

namespace Bot.Tests.Unit.Telegram;

/// <summary>What the channel sends through Telegram.Bot and reads from it, checked against Telegram's method list (shared/conformance/telegram/api.json).</summary>
public class TelegramConformanceTests
{
    private static readonly JsonElement Spec = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Conformance, "telegram", "api.json"))).RootElement;

    public static TheoryData<string, object> Requests() => new()
    {
        { "sendMessage", TelegramRequests.SendMessage(42, "<b>x</b>", ParseMode.Html, 7, new InlineKeyboardMarkup([[InlineKeyboardButton.WithCallbackData("Approve", "p:approve:ab12cd34:0123456789ab")]])) },
        { "editMessageText", TelegramRequests.EditMessageText(42, 5, "x", ParseMode.Html, new InlineKeyboardMarkup()) },
        { "answerCallbackQuery", TelegramRequests.AnswerCallbackQuery("3") },
        { "sendChatAction", TelegramRequests.Typing(42, 7) },
        { "getUpdates", TelegramRequests.GetUpdates(10) },
        { "setMyCommands", TelegramRequests.SetMyCommands([new BotCommand("help", "What I can do")]) },
        { "setWebhook", TelegramRequests.SetWebhook("https://example.com/telegram/webhook", "s3cret") },
        { "deleteWebhook", TelegramRequests.DeleteWebhook() },
        { "getMe", TelegramRequests.GetMe() },
        { "setChatMenuButton", TelegramRequests.SetMiniAppMenuButton("Open app", "https://example.com/telegram-app.html") },
    };

    [Fact]
    public void The_menu_button_is_a_MenuButtonWebApp_as_the_spec_describes_it()
    {
        var sent = JsonSerializer.SerializeToElement(TelegramRequests.SetMiniAppMenuButton("Open app", "https://example.com/telegram-app.html"), JsonBotAPI.Options);
        var button = sent.GetProperty("menu_button");
        var spec = Spec.GetProperty("types").GetProperty("MenuButtonWebApp").GetProperty("fields").EnumerateArray().ToList();
        foreach (var property in button.EnumerateObject())
        {
            Assert.Contains(spec, field => field.GetProperty("name").GetString() == property.Name);
        }
        Assert.Equal("web_app", button.GetProperty("type").GetString()); // "Type of the button, must be web_app"
        Assert.Equal("Open app", button.GetProperty("text").GetString());
        Assert.Equal("https://example.com/telegram-app.html", button.GetProperty("web_app").GetProperty("url").GetString());
        Assert.False(sent.TryGetProperty("chat_id", out _)); // no chat: the bot's default button, for every private chat
    }

    [Theory]
    [InlineData("https://bot.example.com", "https://bot.example.com/telegram-app.html")]
    [InlineData("https://bot.example.com/finance/", "https://bot.example.com/finance/telegram-app.html")]
    [InlineData("http://127.0.0.1:5080", "http://127.0.0.1:5080/telegram-app.html")]
    [InlineData("http://bot.example.com", null)] // Telegram opens only https Mini Apps
    [InlineData(null, null)]
    [InlineData("not a url", null)]
    public void The_Mini_App_address_is_the_web_app_over_https(string? publicBaseUrl, string? expected) =>
        Assert.Equal(expected, TelegramStartupService.MiniAppUrl(publicBaseUrl));

    [Theory]
    [MemberData(nameof(Requests))]
    public void Each_request_names_only_fields_of_its_method_and_all_required_ones(string method, object request)
    {
        Assert.Equal(method, ((global::Telegram.Bot.Requests.Abstractions.IRequest)request).MethodName);
        var spec = Spec.GetProperty("methods").GetProperty(method);
        var fields = spec.TryGetProperty("fields", out var f) ? f.EnumerateArray().ToList() : [];
        // Serialized exactly as Telegram.Bot puts it on the wire.
        var sent = JsonSerializer.SerializeToElement(request, request.GetType(), JsonBotAPI.Options);
        foreach (var property in sent.EnumerateObject())
        {
            Assert.Contains(fields, field => field.GetProperty("name").GetString() == property.Name);
        }
        foreach (var required in fields.Where(field => field.GetProperty("required").GetBoolean()))
        {
            Assert.True(sent.TryGetProperty(required.GetProperty("name").GetString()!, out _), $"{method} lacks {required.GetProperty("name")}");
        }
    }

    [Fact]
    public void The_long_poll_ends_before_the_http_client_gives_up()
    {
        Assert.True(TelegramBotClientFactory.HttpTimeout > TimeSpan.FromSeconds(TelegramRequests.LongPollSeconds + 5));
        var sent = JsonSerializer.SerializeToElement(TelegramRequests.GetUpdates(null), JsonBotAPI.Options);
        Assert.Equal(TelegramRequests.LongPollSeconds, sent.GetProperty("timeout").GetInt32());
        Assert.Equal(["message", "callback_query"], sent.GetProperty("allowed_updates").EnumerateArray().Select(u => u.GetString()));
    }

    /// <summary>For each type the channel reads: the fields it reads (JSON names), all of which the spec defines.</summary>
    public static TheoryData<Type, string, string[]> TypesRead() => new()
    {
        { typeof(Update), "Update", ["update_id", "message", "callback_query"] },
        { typeof(Message), "Message", ["message_id", "message_thread_id", "from", "chat", "date", "text", "is_topic_message", "reply_to_message"] },
        { typeof(User), "User", ["id", "is_bot", "first_name", "last_name", "username"] },
        { typeof(Chat), "Chat", ["id", "type", "is_forum"] },
        { typeof(CallbackQuery), "CallbackQuery", ["id", "from", "message", "data"] },
        { typeof(InlineKeyboardButton), "InlineKeyboardButton", ["text", "callback_data"] },
        { typeof(BotCommand), "BotCommand", ["command", "description"] },
    };

    [Theory]
    [MemberData(nameof(TypesRead))]
    public void Each_type_read_has_the_fields_the_spec_defines(Type type, string specType, string[] read)
    {
        var specFields = Spec.GetProperty("types").GetProperty(specType).GetProperty("fields").EnumerateArray().ToList();
        var names = specFields.Select(f => f.GetProperty("name").GetString()).ToHashSet();
        var library = JsonBotAPI.Options.GetTypeInfo(type).Properties.Select(p => p.Name).ToHashSet();
        foreach (var field in read)
        {
            Assert.Contains(field, names);   // what the channel reads is the spec's
            Assert.Contains(field, library); // and Telegram.Bot reads it
        }
        foreach (var required in specFields.Where(f => f.GetProperty("required").GetBoolean()).Select(f => f.GetProperty("name").GetString()!))
        {
            Assert.Contains(required, library); // nothing the spec requires is lost in Telegram.Bot's type
        }
    }
}
