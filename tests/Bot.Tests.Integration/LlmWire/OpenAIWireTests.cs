using System.Text.Json;
using Bot.Tests.Support;

namespace Bot.Tests.Integration.LlmWire;

/// <summary>
/// The official OpenAI package behind Microsoft's <c>IChatClient</c> adapter (<c>Microsoft.Extensions.AI.OpenAI</c>) inside
/// the real host, against a loopback server that speaks Chat Completions: tool calls streamed in pieces, the tool message
/// going back, streamed text, post-turn calls.
/// </summary>
public class OpenAIWireTests(OpenAIWireHost host) : IClassFixture<OpenAIWireHost>
{
    public const string UserText = AnthropicWireTests.UserText;
    public const string CallId = "call_Qm8vX2nK4pR7sT1wY9zB3dF6";
    public const string Reply = AnthropicWireTests.Reply;
    public const string Title = AnthropicWireTests.Title;

    /// <summary>First model call: a sentence, then the id and name of a <c>remember</c> call, its arguments in pieces after.</summary>
    public static readonly SseReply ToolCallStream = OpenAIWire.Stream(
        """{"id":"chatcmpl-CZ4kLmN7oPq8RsT9uVw0XyZ1aB2c","object":"chat.completion.chunk","created":1767225600,"model":"gpt-test","service_tier":"default","system_fingerprint":"fp_b3f1157249","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}""",
        """{"id":"chatcmpl-CZ4kLmN7oPq8RsT9uVw0XyZ1aB2c","object":"chat.completion.chunk","created":1767225600,"model":"gpt-test","service_tier":"default","system_fingerprint":"fp_b3f1157249","choices":[{"index":0,"delta":{"content":"I'll note that "},"logprobs":null,"finish_reason":null}],"usage":null}""",
        """{"id":"chatcmpl-CZ4kLmN7oPq8RsT9uVw0XyZ1aB2c","object":"chat.completion.chunk","created":1767225600,"model":"gpt-test","service_tier":"default","system_fingerprint":"fp_b3f1157249","choices":[{"index":0,"delta":{"content":"for you."},"logprobs":null,"finish_reason":null}],"usage":null}""",
        """{"id":"chatcmpl-CZ4kLmN7oPq8RsT9uVw0XyZ1aB2c","object":"chat.completion.chunk","created":1767225600,"model":"gpt-test","service_tier":"default","system_fingerprint":"fp_b3f1157249","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_Qm8vX2nK4pR7sT1wY9zB3dF6","type":"function","function":{"name":"remember","arguments":""}}]},"logprobs":null,"finish_reason":null}],"usage":null}""",
        """{"id":"chatcmpl-CZ4kLmN7oPq8RsT9uVw0XyZ1aB2c","object":"chat.completion.chunk","created":1767225600,"model":"gpt-test","service_tier":"default","system_fingerprint":"fp_b3f1157249","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"content\""}}]},"logprobs":null,"finish_reason":null}],"usage":null}""",
        """{"id":"chatcmpl-CZ4kLmN7oPq8RsT9uVw0XyZ1aB2c","object":"chat.completion.chunk","created":1767225600,"model":"gpt-test","service_tier":"default","system_fingerprint":"fp_b3f1157249","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":":\"Prefers low-risk"}}]},"logprobs":null,"finish_reason":null}],"usage":null}""",
        """{"id":"chatcmpl-CZ4kLmN7oPq8RsT9uVw0XyZ1aB2c","object":"chat.completion.chunk","created":1767225600,"model":"gpt-test","service_tier":"default","system_fingerprint":"fp_b3f1157249","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":" index funds\",\"kind\""}}]},"logprobs":null,"finish_reason":null}],"usage":null}""",
        """{"id":"chatcmpl-CZ4kLmN7oPq8RsT9uVw0XyZ1aB2c","object":"chat.completion.chunk","created":1767225600,"model":"gpt-test","service_tier":"default","system_fingerprint":"fp_b3f1157249","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":":\"preference\"}"}}]},"logprobs":null,"finish_reason":null}],"usage":null}""",
        """{"id":"chatcmpl-CZ4kLmN7oPq8RsT9uVw0XyZ1aB2c","object":"chat.completion.chunk","created":1767225600,"model":"gpt-test","service_tier":"default","system_fingerprint":"fp_b3f1157249","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}],"usage":null}""",
        """{"id":"chatcmpl-CZ4kLmN7oPq8RsT9uVw0XyZ1aB2c","object":"chat.completion.chunk","created":1767225600,"model":"gpt-test","service_tier":"default","system_fingerprint":"fp_b3f1157249","choices":[],"usage":{"prompt_tokens":1187,"completion_tokens":25,"total_tokens":1212,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}""");

    /// <summary>Second model call: private reasoning in a thinking tag, then the answer, with a pause for live streaming.</summary>
    public static readonly SseReply AnswerStream = OpenAIWire.Stream(
        ("""{"id":"chatcmpl-CZ4kPq3rSt4UvW5xYz6Ab7Cd8Ef9","object":"chat.completion.chunk","created":1767225601,"model":"gpt-test","service_tier":"default","system_fingerprint":"fp_b3f1157249","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}""", 0),
        ("""{"id":"chatcmpl-CZ4kPq3rSt4UvW5xYz6Ab7Cd8Ef9","object":"chat.completion.chunk","created":1767225601,"model":"gpt-test","service_tier":"default","system_fingerprint":"fp_b3f1157249","choices":[{"index":0,"delta":{"content":"<thinking>The memory tool confirmed it; keep the answer short.</thinking>\n\n"},"logprobs":null,"finish_reason":null}],"usage":null}""", 0),
        ("""{"id":"chatcmpl-CZ4kPq3rSt4UvW5xYz6Ab7Cd8Ef9","object":"chat.completion.chunk","created":1767225601,"model":"gpt-test","service_tier":"default","system_fingerprint":"fp_b3f1157249","choices":[{"index":0,"delta":{"content":"Noted: you prefer low-risk index funds. "},"logprobs":null,"finish_reason":null}],"usage":null}""", 0),
        ("""{"id":"chatcmpl-CZ4kPq3rSt4UvW5xYz6Ab7Cd8Ef9","object":"chat.completion.chunk","created":1767225601,"model":"gpt-test","service_tier":"default","system_fingerprint":"fp_b3f1157249","choices":[{"index":0,"delta":{"content":"I'll keep that in mind when we look at investments."},"logprobs":null,"finish_reason":null}],"usage":null}""", 500),
        ("""{"id":"chatcmpl-CZ4kPq3rSt4UvW5xYz6Ab7Cd8Ef9","object":"chat.completion.chunk","created":1767225601,"model":"gpt-test","service_tier":"default","system_fingerprint":"fp_b3f1157249","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}""", 0),
        ("""{"id":"chatcmpl-CZ4kPq3rSt4UvW5xYz6Ab7Cd8Ef9","object":"chat.completion.chunk","created":1767225601,"model":"gpt-test","service_tier":"default","system_fingerprint":"fp_b3f1157249","choices":[],"usage":{"prompt_tokens":1260,"completion_tokens":31,"total_tokens":1291,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}""", 0));

    public static JsonReply Completion(string id, string text) => OpenAIWire.Json(
        $$$"""{"id":"{{{id}}}","object":"chat.completion","created":1767225602,"model":"gpt-test","choices":[{"index":0,"message":{"role":"assistant","content":{{{JsonSerializer.Serialize(text)}}},"refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":74,"completion_tokens":7,"total_tokens":81,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_b3f1157249"}""");

    public static bool IsTitleCall(LlmRequest r) => r.IsCompletions() && !r.IsStreaming && r.SystemPrompt().Contains("You name chat threads", StringComparison.Ordinal);

    public static bool IsFactsCall(LlmRequest r) => r.IsCompletions() && !r.IsStreaming && r.SystemPrompt().Contains("long-term memory", StringComparison.Ordinal);

    [Fact]
    public async Task A_preference_is_remembered_through_streamed_tool_calls_and_the_reply_reaches_the_web_chat()
    {
        var server = host.Server;
        server.Script("tool call", r => r.IsCompletions() && r.IsStreaming && r.LastUserMessage() == UserText && !r.HasToolMessage(), ToolCallStream);
        server.Script("answer", r => r.IsCompletions() && r.IsStreaming && r.LastUserMessage() == UserText && r.HasToolMessage(), AnswerStream);
        server.Script("title", IsTitleCall, Completion("chatcmpl-CZ4kTt5uVv6wWx7yYz8zAa9aBb0b", Title));
        server.Script("facts", IsFactsCall, Completion("chatcmpl-CZ4kUu6vWw7xXy8yZz9zAa0aBb1c", "[]"));

        var client = await DirectLineTestClient.StartAsync(host.App.CreateClient());
        await using var live = await DirectLineLiveStream.ConnectAsync(host.App.Server, client.StreamUrl);
        await client.SendAsync(UserText);

        var reply = Assert.Single(await client.WaitForBotRepliesAsync(1));
        Assert.Equal(Reply, reply.GetProperty("text").GetString());
        Assert.NotEmpty(live.StreamedTexts);
        Assert.All(live.StreamedTexts, text => Assert.DoesNotContain("thinking", text, StringComparison.OrdinalIgnoreCase));

        var requests = await server.WaitForAsync(r => r.Count >= 4, "the two turn calls and the two post-turn calls");
        Assert.Equal(["tool call", "answer", "title", "facts"], requests.Select(r => r.AnsweredBy));
        var records = new WebChatRecords(host.App.Database, client.ConversationId);
        Assert.Equal(Title, await Eventually.GetAsync(records.TitleAsync, t => t is not null, "the thread title"));

        var threadId = await records.ThreadIdAsync();
        var memory = Assert.Single(await records.OwnerMemoriesAsync(), m => m.SourceThreadId == threadId);
        Assert.Equal(("preference", "Prefers low-risk index funds"), (memory.Kind, memory.Content));

        var events = await records.EventsAsync();
        Assert.Equal(["user", "assistant", "tool", "assistant"], events.Select(e => e.Role));
        Assert.Equal("I'll note that for you.", events[1].Text);
        var call = Assert.Single(events[1].Content.GetProperty("toolCalls").EnumerateArray());
        Assert.Equal((CallId, "remember"), (call.GetProperty("id").GetString(), call.GetProperty("name").GetString()));
        Assert.Equal("Prefers low-risk index funds", JsonElement.Parse(call.GetProperty("arguments").GetString()!).GetProperty("content").GetString());
        var result = events[2].Content.GetProperty("toolResult");
        Assert.Equal(CallId, result.GetProperty("callId").GetString());
        Assert.False(result.GetProperty("isError").GetBoolean());
        Assert.Equal(Reply, events[3].Text);
        Assert.DoesNotContain(events, e => e.Content.GetRawText().Contains("keep the answer short", StringComparison.Ordinal));

        AssertWhatTheSdkSent(requests);
    }

    private static void AssertWhatTheSdkSent(IReadOnlyList<LlmRequest> requests)
    {
        foreach (var request in requests)
        {
            Assert.Equal("Bearer " + LlmWireHost.ApiKey, request.Header("authorization"));
            Assert.Equal("gpt-test", request.Json.GetProperty("model").GetString());
        }
        var (first, second, title, facts) = (requests[0], requests[1], requests[2], requests[3]);

        Assert.Contains("never execute a trade yourself", first.SystemPrompt(), StringComparison.Ordinal);
        Assert.Equal("system", first.ChatMessages()[0].Role());
        Assert.Equal(UserText, first.LastUserMessage());
        var tools = first.Json.GetProperty("tools").EnumerateArray().ToList();
        Assert.All(tools, t => Assert.Equal("function", t.GetProperty("type").GetString()));
        var functions = tools.ToDictionary(t => t.GetProperty("function").GetProperty("name").GetString()!, t => t.GetProperty("function"));
        Assert.Superset(new HashSet<string> { "remember", "forget", "list_memory", "delegate" }, functions.Keys.ToHashSet());
        var parameters = functions["remember"].GetProperty("parameters");
        Assert.Equal("object", parameters.GetProperty("type").GetString());
        Assert.Equal("string", parameters.GetProperty("properties").GetProperty("content").GetProperty("type").GetString());
        Assert.Equal(["content", "kind"], parameters.GetProperty("required").EnumerateArray().Select(e => e.GetString()).Order());
        Assert.Equal("auto", first.Json.GetProperty("tool_choice").GetString());

        // The second call: the assistant's tool call as the model made it, then the tool's answer under the same id.
        var messages = second.ChatMessages();
        var assistant = Assert.Single(messages, m => m.Role() == "assistant");
        Assert.Equal("I'll note that for you.", assistant.ContentText());
        var toolCall = Assert.Single(assistant.GetProperty("tool_calls").EnumerateArray());
        Assert.Equal(CallId, toolCall.GetProperty("id").GetString());
        Assert.Equal("function", toolCall.GetProperty("type").GetString());
        Assert.Equal("remember", toolCall.GetProperty("function").GetProperty("name").GetString());
        // The arguments the model streamed in four pieces come back as one JSON string with the same members. The API takes
        // any JSON text there; Microsoft's adapter writes it with AIJsonUtilities.DefaultOptions, which indent.
        var arguments = toolCall.GetProperty("function").GetProperty("arguments").GetString()!;
        Assert.True(
            JsonElement.DeepEquals(JsonElement.Parse("""{"content":"Prefers low-risk index funds","kind":"preference"}"""), JsonElement.Parse(arguments)),
            $"the arguments sent back were {arguments}");
        var tool = Assert.Single(messages, m => m.Role() == "tool");
        Assert.Equal(CallId, tool.GetProperty("tool_call_id").GetString());
        Assert.Contains("\"remembered\":true", tool.ContentText(), StringComparison.Ordinal);
        Assert.True(messages.ToList().IndexOf(assistant) < messages.ToList().IndexOf(tool));

        Assert.False(title.IsStreaming);
        Assert.Contains(UserText, title.LastUserMessage(), StringComparison.Ordinal);
        Assert.Contains("- Prefers low-risk index funds", facts.LastUserMessage(), StringComparison.Ordinal);
    }
}
