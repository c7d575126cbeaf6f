using System.Text.Json;

namespace Bot.Tests.Integration.LlmWire;

/// <summary>Reading Anthropic Messages API requests, and writing its answers (JSON and SSE) as the API sends them.</summary>
public static class AnthropicWire
{
    public const string MessagesPath = "/v1/messages";

    public static bool IsMessages(this LlmRequest request) => request.Method == "POST" && request.Path == MessagesPath;

    /// <summary>The system prompt, whether sent as a string or as text blocks.</summary>
    public static string SystemText(this LlmRequest request) =>
        !request.Json.TryGetProperty("system", out var system) ? ""
        : system.ValueKind == JsonValueKind.String ? system.GetString()!
        : string.Concat(system.EnumerateArray().Select(b => b.GetProperty("text").GetString()));

    public static IReadOnlyList<JsonElement> Messages(this LlmRequest request) => [.. request.Json.GetProperty("messages").EnumerateArray()];

    /// <summary>Every content block of every message, with the role of the message it is in.</summary>
    public static IEnumerable<(string Role, JsonElement Block)> Blocks(this LlmRequest request) =>
        request.Messages().SelectMany(m => m.GetProperty("content") is { ValueKind: JsonValueKind.Array } content
            ? content.EnumerateArray().Select(b => (m.GetProperty("role").GetString()!, b))
            : [(m.GetProperty("role").GetString()!, JsonElement.Parse(JsonSerializer.Serialize(new { type = "text", text = m.GetProperty("content").GetString() })))]);

    public static bool HasBlock(this LlmRequest request, string type) => request.Blocks().Any(b => b.Block.GetProperty("type").GetString() == type);

    /// <summary>The text of the last user message (its text blocks).</summary>
    public static string LastUserText(this LlmRequest request) =>
        request.Blocks().Where(b => b.Role == "user" && b.Block.GetProperty("type").GetString() == "text").Select(b => b.Block.GetProperty("text").GetString()).LastOrDefault() ?? "";

    public static JsonReply Json(string body) => new(200, body);

    public static SseReply Stream(params (string Event, string Data)[] frames) =>
        new([.. frames.Select(f => new SseFrame(f.Event, f.Data))]);

    /// <summary>A stream whose frames come at the given pauses (to let live streaming to the chat happen in between).</summary>
    public static SseReply Stream(params (string Event, string Data, int DelayMs)[] frames) =>
        new([.. frames.Select(f => new SseFrame(f.Event, f.Data, TimeSpan.FromMilliseconds(f.DelayMs)))]);

    /// <summary>An error the API answers with, in its error envelope.</summary>
    public static JsonReply Error(int status, string type, string message, IReadOnlyDictionary<string, string>? headers = null) =>
        new(status, JsonSerializer.Serialize(new { type = "error", error = new { type, message } }), headers);
}
