using System.Text.Json;

namespace Bot.Tests.Integration.LlmWire;

/// <summary>Reading OpenAI Chat Completions requests, and writing its answers (JSON and SSE chunks) as the API sends them.</summary>
public static class OpenAIWire
{
    public const string CompletionsPath = "/v1/chat/completions";

    public static bool IsCompletions(this LlmRequest request) => request.Method == "POST" && request.Path == CompletionsPath;

    public static IReadOnlyList<JsonElement> ChatMessages(this LlmRequest request) => [.. request.Json.GetProperty("messages").EnumerateArray()];

    public static string Role(this JsonElement message) => message.GetProperty("role").GetString()!;

    /// <summary>A message's text, whether its content is a string or a list of text parts.</summary>
    public static string ContentText(this JsonElement message) =>
        !message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null ? ""
        : content.ValueKind == JsonValueKind.String ? content.GetString()!
        : string.Concat(content.EnumerateArray().Where(p => p.GetProperty("type").GetString() == "text").Select(p => p.GetProperty("text").GetString()));

    public static string SystemPrompt(this LlmRequest request) =>
        string.Concat(request.ChatMessages().Where(m => m.Role() is "system" or "developer").Select(ContentText));

    public static string LastUserMessage(this LlmRequest request) =>
        request.ChatMessages().LastOrDefault(m => m.Role() == "user") is { ValueKind: JsonValueKind.Object } user ? user.ContentText() : "";

    public static bool HasToolMessage(this LlmRequest request) => request.ChatMessages().Any(m => m.Role() == "tool");

    public static JsonReply Json(string body) => new(200, body);

    /// <summary>A stream of <c>data:</c> chunks, closed by <c>data: [DONE]</c> as the API does.</summary>
    public static SseReply Stream(params (string Data, int DelayMs)[] chunks) =>
        new([.. chunks.Select(c => new SseFrame(null, c.Data, TimeSpan.FromMilliseconds(c.DelayMs))), new SseFrame(null, "[DONE]")]);

    public static SseReply Stream(params string[] chunks) => Stream([.. chunks.Select(c => (c, 0))]);

    /// <summary>An error in the API's envelope.</summary>
    public static JsonReply Error(int status, string message, string type, string code, IReadOnlyDictionary<string, string>? headers = null) =>
        new(status, JsonSerializer.Serialize(new { error = new { message, type, param = (string?)null, code } }), headers);
}
