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

    /// <summary>A streamed text answer in <paramref name="chunks"/>, each after <paramref name="pause"/> but the first.</summary>
    public static SseReply TextStream(TimeSpan pause, params string[] chunks)
    {
        var frames = new List<SseFrame>
        {
            new("message_start", JsonSerializer.Serialize(new
            {
                type = "message_start",
                message = new
                {
                    id = "msg_" + Guid.NewGuid().ToString("N"), type = "message", role = "assistant", model = "claude-test", content = Array.Empty<object>(),
                    stop_reason = (string?)null, stop_sequence = (string?)null, usage = new { input_tokens = 900, output_tokens = 1 },
                },
            })),
            new("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"""),
        };
        frames.AddRange(chunks.Select((chunk, i) => new SseFrame("content_block_delta",
            JsonSerializer.Serialize(new { type = "content_block_delta", index = 0, delta = new { type = "text_delta", text = chunk } }), i == 0 ? TimeSpan.Zero : pause)));
        frames.Add(new("content_block_stop", """{"type":"content_block_stop","index":0}"""));
        frames.Add(new("message_delta", """{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":30}}"""));
        frames.Add(new("message_stop", """{"type":"message_stop"}"""));
        return new SseReply(frames);
    }

    /// <summary>A whole (not streamed) text answer.</summary>
    public static JsonReply TextMessage(string text) => Json(JsonSerializer.Serialize(new
    {
        id = "msg_" + Guid.NewGuid().ToString("N"), type = "message", role = "assistant", model = "claude-test",
        content = new[] { new { type = "text", text } }, stop_reason = "end_turn", stop_sequence = (string?)null,
        usage = new { input_tokens = 80, output_tokens = 8 },
    }));

    /// <summary>An error the API answers with, in its error envelope.</summary>
    public static JsonReply Error(int status, string type, string message, IReadOnlyDictionary<string, string>? headers = null) =>
        new(status, JsonSerializer.Serialize(new { type = "error", error = new { type, message } }), headers);
}
