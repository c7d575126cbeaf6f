using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bot.Tests.Support;

/// <summary>
/// Where <c>telegram-test-api</c> 4.2.1 answers differently from the Bot API as <c>shared/conformance/telegram/api.json</c>
/// describes it, and how each answer is put right before the product (through Telegram.Bot, which reads strictly) sees
/// it. Pure functions, so the unit tests pin every rule; <see cref="TelegramApiNormaliser"/> applies them on loopback.
/// The product itself follows the spec only.
/// <list type="number">
/// <item>Dates in milliseconds. Spec: <c>Message.date</c> is "Date the message was sent in Unix time" (seconds).</item>
/// <item><c>editMessageText</c> answers <c>result:null</c>. Spec returns: "Message" (or "True" for inline messages):
/// the edited message is returned, rebuilt from the request.</item>
/// <item><c>answerCallbackQuery</c>, <c>setWebhook</c>, <c>deleteMessage</c>, <c>editMessageReplyMarkup</c> answer
/// <c>result:null</c>. Spec returns: "True" (the last: "Message"/"True"; only True is given back here).</item>
/// <item><c>sendChatAction</c>, <c>setMyCommands</c> and <c>setChatMenuButton</c> do not exist in the fake (HTTP 500 "not supported"). The request is
/// checked against the spec's fields for the method (every required one present, no unknown one) and answered as the
/// spec says ("True"), or 400 like Telegram when it does not conform.</item>
/// <item><c>getUpdates</c> ignores <c>offset</c> and <c>timeout</c>: it hands each update out once. Spec: updates stay
/// until confirmed by an offset above their id, and <c>timeout</c> is a long poll. The normaliser keeps what it has
/// read and serves it by offset, holding the call up to <c>timeout</c> seconds.</item>
/// <item>Callback queries lack <c>chat_instance</c>, which the spec's CallbackQuery requires: the chat id is put there.</item>
/// <item><c>getMe</c> lacks <c>is_bot</c>, required in the spec's User: <c>true</c> (it is the bot).</item>
/// <item><c>ok:false</c> comes with HTTP 200. Spec ("Making requests"): the HTTP status is the error code.</item>
/// <item>Webhook calls carry no <c>X-Telegram-Bot-Api-Secret-Token</c>. Spec (setWebhook <c>secret_token</c>): "sent in a
/// header in every webhook request". The normaliser relays each call with the header added.</item>
/// <item>The fake holds no files: no <c>getFile</c>, no file download, and its user routes take no audio. The
/// normaliser keeps the files a test adds (<see cref="TelegramApiNormaliser.AddFile"/>), answers <c>getFile</c> with the
/// spec's File (<c>file_id</c>, <c>file_unique_id</c>, <c>file_size</c>, <c>file_path</c>; 400 "invalid file_id" for an
/// unknown id) and serves the bytes at <c>/file/bot&lt;token&gt;/&lt;file_path&gt;</c>, as "Making requests" describes.</item>
/// </list>
/// </summary>
public static class TelegramFakeDeviations
{
    /// <summary>Methods the fake lacks, answered from the spec after a field check (rule 4).</summary>
    public static readonly IReadOnlySet<string> MissingMethods = new HashSet<string>(StringComparer.Ordinal) { "sendChatAction", "setMyCommands", "setChatMenuButton" };

    private static readonly HashSet<string> TrueResultMethods = new(StringComparer.Ordinal)
    {
        "answerCallbackQuery", "setWebhook", "deleteMessage", "editMessageReplyMarkup",
    };

    private static readonly Lazy<JsonElement> Spec = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Conformance, "telegram", "api.json"))).RootElement);

    /// <summary>Anything above this is a date in milliseconds (it is year 5138 in seconds).</summary>
    private const long MillisecondsThreshold = 100_000_000_000;

    /// <summary>Rules 1-3, 6-8 on one answer of the fake: the HTTP status and body the product gets instead.</summary>
    public static (int Status, string Body) NormaliseAnswer(string method, JsonObject request, int status, string body)
    {
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return (status, body);
        }
        if (parsed is not JsonObject answer || answer["ok"]?.GetValue<bool>() is not { } ok)
        {
            return (status, body);
        }
        if (!ok)
        {
            var code = answer["error_code"]?.GetValue<int>() ?? status;
            return (code, body); // rule 8
        }
        if (answer["result"] is null)
        {
            if (method == "editMessageText")
            {
                answer["result"] = EditedMessage(request); // rule 2
            }
            else if (TrueResultMethods.Contains(method))
            {
                answer["result"] = true; // rule 3
            }
        }
        if (method == "getMe" && answer["result"] is JsonObject me && me["is_bot"] is null)
        {
            me["is_bot"] = true; // rule 7
        }
        NormaliseUpdatePayload(answer["result"]);
        return (200, answer.ToJsonString());
    }

    /// <summary>Rules 1 and 6 on anything that carries messages or updates (a result, a webhook body).</summary>
    public static void NormaliseUpdatePayload(JsonNode? node)
    {
        switch (node)
        {
            case JsonArray array:
                foreach (var item in array)
                {
                    NormaliseUpdatePayload(item);
                }
                break;
            case JsonObject obj:
                if (obj["date"] is JsonValue date && date.TryGetValue<long>(out var value) && value > MillisecondsThreshold)
                {
                    obj["date"] = value / 1000; // rule 1
                }
                if (obj["callback_query"] is JsonObject query && query["chat_instance"] is null)
                {
                    var chatId = query["message"]?["chat"]?["id"]?.ToString() ?? query["from"]?["id"]?.ToString() ?? "0";
                    query["chat_instance"] = chatId; // rule 6
                }
                foreach (var (_, child) in obj.ToList())
                {
                    NormaliseUpdatePayload(child);
                }
                break;
        }
    }

    /// <summary>Rule 4: a call to a method the fake lacks, checked against the spec's fields; null = it conforms.</summary>
    public static string? SpecViolation(string method, JsonObject request)
    {
        var fields = Spec.Value.GetProperty("methods").GetProperty(method).TryGetProperty("fields", out var f) ? f.EnumerateArray().ToList() : [];
        var names = fields.Select(field => field.GetProperty("name").GetString()).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, _) in request)
        {
            if (!names.Contains(name))
            {
                return $"Bad Request: {method} has no parameter {name}";
            }
        }
        foreach (var field in fields.Where(field => field.GetProperty("required").GetBoolean()))
        {
            if (request[field.GetProperty("name").GetString()!] is null)
            {
                return $"Bad Request: {method} needs {field.GetProperty("name").GetString()}";
            }
        }
        return null;
    }

    private static JsonObject EditedMessage(JsonObject request)
    {
        var chatId = request["chat_id"]?.ToString() ?? "0";
        var message = new JsonObject
        {
            ["message_id"] = request["message_id"]?.DeepClone(),
            ["chat"] = new JsonObject { ["id"] = long.TryParse(chatId, out var id) ? id : 0, ["type"] = "private" },
            ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["edit_date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["text"] = request["text"]?.DeepClone(),
        };
        if (request["reply_markup"] is JsonObject markup && markup["inline_keyboard"] is JsonArray { Count: > 0 })
        {
            message["reply_markup"] = markup.DeepClone();
        }
        return message;
    }
}
