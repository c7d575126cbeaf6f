using System.Text.Json;
using Bot.Tests.Support;

namespace Bot.Tests.Integration.LlmWire;

/// <summary>
/// The official Anthropic SDK (through <c>AsIChatClient</c>) inside the real host, against a loopback server that
/// speaks the Messages API: streamed tool use, the tool result going back, streamed text, and the post-turn calls.
/// </summary>
public class AnthropicWireTests(AnthropicWireHost host) : IClassFixture<AnthropicWireHost>
{
    public const string UserText = "I prefer low-risk index funds, please remember that";
    public const string ToolUseId = "toolu_01D7FLrfh4GYq7yT1ULFeyMV";
    public const string Reply = "Noted: you prefer low-risk index funds. I'll keep that in mind when we look at investments.";
    public const string Title = "Low-risk index fund preference";

    /// <summary>First model call: a sentence, then a <c>remember</c> call whose input arrives in pieces.</summary>
    public static readonly SseReply ToolUseStream = AnthropicWire.Stream(
        ("message_start", """{"type":"message_start","message":{"id":"msg_01HCvRzLXh5qVbM4u2oB6n7T","type":"message","role":"assistant","model":"claude-test","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1187,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":2}}}"""),
        ("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"""),
        ("ping", """{"type":"ping"}"""),
        ("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"I'll note that "}}"""),
        ("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"for you."}}"""),
        ("content_block_stop", """{"type":"content_block_stop","index":0}"""),
        ("content_block_start", """{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01D7FLrfh4GYq7yT1ULFeyMV","name":"remember","input":{}}}"""),
        ("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}"""),
        ("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"content\": \"Prefers low-ri"}}"""),
        ("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"sk index funds\", \"ki"}}"""),
        ("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"nd\": \"preference\"}"}}"""),
        ("content_block_stop", """{"type":"content_block_stop","index":1}"""),
        ("message_delta", """{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":71}}"""),
        ("message_stop", """{"type":"message_stop"}"""));

    /// <summary>Second model call: private reasoning in a thinking tag, then the answer, with a pause for live streaming.</summary>
    public static readonly SseReply AnswerStream = AnthropicWire.Stream(
        ("message_start", """{"type":"message_start","message":{"id":"msg_01KJ4ZqGc3xW9eB2sQpN8vRd","type":"message","role":"assistant","model":"claude-test","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1302,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}""", 0),
        ("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""", 0),
        ("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"<thinking>The memory tool confirmed it; keep the answer short.</thinking>\n\n"}}""", 0),
        ("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Noted: you prefer low-risk index funds. "}}""", 0),
        ("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"I'll keep that in mind when we look at investments."}}""", 500),
        ("content_block_stop", """{"type":"content_block_stop","index":0}""", 0),
        ("message_delta", """{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":38}}""", 0),
        ("message_stop", """{"type":"message_stop"}""", 0));

    public static readonly JsonReply TitleMessage = AnthropicWire.Json(
        $$$"""{"id":"msg_01Q2wE3rT4yU5iO6pA7sD8fG","type":"message","role":"assistant","model":"claude-test","content":[{"type":"text","text":"{{{Title}}}"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":74,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":7}}""");

    public static readonly JsonReply NoFactsMessage = AnthropicWire.Json(
        """{"id":"msg_01Z9xC8vB7nM6lK5jH4gF3dS","type":"message","role":"assistant","model":"claude-test","content":[{"type":"text","text":"[]"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":203,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":2}}""");

    public static bool IsTitleCall(LlmRequest r) => r.IsMessages() && !r.IsStreaming && r.SystemText().Contains("You name chat threads", StringComparison.Ordinal);

    public static bool IsFactsCall(LlmRequest r) => r.IsMessages() && !r.IsStreaming && r.SystemText().Contains("long-term memory", StringComparison.Ordinal);

    [Fact]
    public async Task A_preference_is_remembered_through_streamed_tool_use_and_the_reply_reaches_the_web_chat()
    {
        var server = host.Server;
        server.Script("tool use", r => r.IsMessages() && r.IsStreaming && r.LastUserText() == UserText && !r.HasBlock("tool_result"), ToolUseStream);
        server.Script("answer", r => r.IsMessages() && r.IsStreaming && r.HasBlock("tool_result"), AnswerStream);
        server.Script("title", IsTitleCall, TitleMessage);
        server.Script("facts", IsFactsCall, NoFactsMessage);

        var client = await DirectLineTestClient.StartAsync(host.App.CreateClient());
        await using var live = await DirectLineLiveStream.ConnectAsync(host.App.Server, client.StreamUrl);
        await client.SendAsync(UserText);

        // The web chat gets the answer, without the model's private reasoning, live or final.
        var reply = Assert.Single(await client.WaitForBotRepliesAsync(1));
        Assert.Equal(Reply, reply.GetProperty("text").GetString());
        Assert.NotEmpty(live.StreamedTexts);
        Assert.All(live.StreamedTexts, text => Assert.DoesNotContain("thinking", text, StringComparison.OrdinalIgnoreCase));
        Assert.All(live.StreamedTexts, text => Assert.DoesNotContain("keep the answer short", text, StringComparison.Ordinal));

        // Post-turn work: the title call and the fact extraction, both plain (non-streaming) messages.
        var requests = await server.WaitForAsync(r => r.Count >= 4, "the two turn calls and the two post-turn calls");
        Assert.Equal(["tool use", "answer", "title", "facts"], requests.Select(r => r.AnsweredBy));
        var records = new WebChatRecords(host.App.Database, client.ConversationId);
        Assert.Equal(Title, await Eventually.GetAsync(records.TitleAsync, t => t is not null, "the thread title"));

        // The remembered preference, for the owner, from this thread.
        var memory = Assert.Single(await records.OwnerMemoriesAsync());
        Assert.Equal(("preference", "Prefers low-risk index funds"), (memory.Kind, memory.Content));
        Assert.Equal(await records.ThreadIdAsync(), memory.SourceThreadId);

        // The thread: the user's message, the tool call step, the tool result, the final reply, in order.
        var events = await records.EventsAsync();
        Assert.Equal(["user", "assistant", "tool", "assistant"], events.Select(e => e.Role));
        Assert.Equal(UserText, events[0].Text);
        Assert.Equal("I'll note that for you.", events[1].Text);
        var call = Assert.Single(events[1].Content.GetProperty("toolCalls").EnumerateArray());
        Assert.Equal(ToolUseId, call.GetProperty("id").GetString());
        Assert.Equal("remember", call.GetProperty("name").GetString());
        var arguments = JsonElement.Parse(call.GetProperty("arguments").GetString()!);
        Assert.Equal("Prefers low-risk index funds", arguments.GetProperty("content").GetString());
        Assert.Equal("preference", arguments.GetProperty("kind").GetString());
        var result = events[2].Content.GetProperty("toolResult");
        Assert.Equal(ToolUseId, result.GetProperty("callId").GetString());
        Assert.False(result.GetProperty("isError").GetBoolean());
        Assert.True(JsonElement.Parse(result.GetProperty("content").GetString()!).GetProperty("remembered").GetBoolean());
        Assert.Equal(Reply, events[3].Text);
        Assert.DoesNotContain(events, e => e.Content.GetRawText().Contains("keep the answer short", StringComparison.Ordinal));

        AssertWhatTheSdkSent(requests);
    }

    private static void AssertWhatTheSdkSent(IReadOnlyList<LlmRequest> requests)
    {
        foreach (var request in requests)
        {
            // Anthropic 13.x sends an API key as a bearer token (its docs: "ApiKey ... sent as Authorization: Bearer"), not as x-api-key.
            Assert.Equal("Bearer " + LlmWireHost.ApiKey, request.Header("authorization"));
            Assert.Null(request.Header("x-api-key"));
            Assert.False(string.IsNullOrWhiteSpace(request.Header("anthropic-version")), "anthropic-version header");
            Assert.Equal("application/json", request.Header("content-type"));
            Assert.Equal("claude-test", request.Json.GetProperty("model").GetString());
            Assert.True(request.Json.GetProperty("max_tokens").GetInt32() > 0);
        }

        var (first, second, title, facts) = (requests[0], requests[1], requests[2], requests[3]);

        // The turn's first call: our system prompt, the user's words, and the tools with their JSON schemas.
        Assert.Contains("never execute a trade yourself", first.SystemText(), StringComparison.Ordinal);
        Assert.Equal(UserText, first.LastUserText());
        Assert.Equal(2048, first.Json.GetProperty("max_tokens").GetInt32());
        var tools = first.Json.GetProperty("tools").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        Assert.Superset(new HashSet<string> { "remember", "forget", "list_memory", "delegate" }, tools.Keys.ToHashSet());
        var schema = tools["remember"].GetProperty("input_schema");
        Assert.Equal("object", schema.GetProperty("type").GetString());
        Assert.Equal("string", schema.GetProperty("properties").GetProperty("content").GetProperty("type").GetString());
        Assert.Equal("string", schema.GetProperty("properties").GetProperty("kind").GetProperty("type").GetString());
        Assert.Equal(["content", "kind"], schema.GetProperty("required").EnumerateArray().Select(e => e.GetString()).Order());
        Assert.False(string.IsNullOrWhiteSpace(tools["remember"].GetProperty("description").GetString()));

        // The second call carries the tool_use back, then the tool_result with the same id, in a user message.
        var blocks = second.Blocks().ToList();
        var toolUse = Assert.Single(blocks, b => b.Block.GetProperty("type").GetString() == "tool_use");
        Assert.Equal("assistant", toolUse.Role);
        Assert.Equal(ToolUseId, toolUse.Block.GetProperty("id").GetString());
        Assert.Equal("remember", toolUse.Block.GetProperty("name").GetString());
        Assert.Equal("Prefers low-risk index funds", toolUse.Block.GetProperty("input").GetProperty("content").GetString());
        var toolResult = Assert.Single(blocks, b => b.Block.GetProperty("type").GetString() == "tool_result");
        Assert.Equal("user", toolResult.Role);
        Assert.Equal(ToolUseId, toolResult.Block.GetProperty("tool_use_id").GetString());
        Assert.Contains("\"remembered\":true", ToolResultText(toolResult.Block), StringComparison.Ordinal);
        Assert.True(blocks.IndexOf(toolUse) < blocks.IndexOf(toolResult));
        Assert.Contains("never execute a trade yourself", second.SystemText(), StringComparison.Ordinal);

        // Post-turn calls: short, non-streaming, and the fact extraction already sees the new memory.
        Assert.Equal(30, title.Json.GetProperty("max_tokens").GetInt32());
        Assert.Contains(UserText, title.LastUserText(), StringComparison.Ordinal);
        Assert.Contains("- Prefers low-risk index funds", facts.LastUserText(), StringComparison.Ordinal);
    }

    private static string ToolResultText(JsonElement block) =>
        block.GetProperty("content") is { ValueKind: JsonValueKind.String } s ? s.GetString()!
        : string.Concat(block.GetProperty("content").EnumerateArray().Select(c => c.GetProperty("text").GetString()));
}
