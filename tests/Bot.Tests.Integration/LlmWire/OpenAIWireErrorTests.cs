using Bot.Tests.Support;

namespace Bot.Tests.Integration.LlmWire;

/// <summary>Chat Completions rate-limited (HTTP 429) for a whole turn: the SDK retries with backoff, then the turn's error boundary answers.</summary>
public class OpenAIWireErrorTests(OpenAIWireHost host) : IClassFixture<OpenAIWireHost>
{
    private const string FirstText = "What is my portfolio worth today?";
    private const string SecondText = "Are you back?";

    [Fact]
    public async Task A_rate_limited_API_gets_the_user_a_plain_apology_and_the_thread_answers_the_next_message()
    {
        var server = host.Server;
        server.Script("rate limited", r => r.IsCompletions() && r.LastUserMessage() == FirstText,
            OpenAIWire.Error(429, "Rate limit reached for gpt-test on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms.",
                "requests", "rate_limit_exceeded",
                new Dictionary<string, string>
                {
                    ["x-request-id"] = "req_5d1f0c7a9b2e4c8d8f3a6b1c0e9d7f2a",
                    ["x-ratelimit-limit-requests"] = "500",
                    ["x-ratelimit-remaining-requests"] = "0",
                    ["x-ratelimit-reset-requests"] = "120ms",
                }),
            times: null);
        server.Script("answer", r => r.IsCompletions() && r.IsStreaming && r.LastUserMessage() == SecondText, OpenAIWire.Stream(
            """{"id":"chatcmpl-CZ4kVv7wXx8yYz9zAa0aBb1bCc2d","object":"chat.completion.chunk","created":1767225700,"model":"gpt-test","system_fingerprint":"fp_b3f1157249","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}""",
            """{"id":"chatcmpl-CZ4kVv7wXx8yYz9zAa0aBb1bCc2d","object":"chat.completion.chunk","created":1767225700,"model":"gpt-test","system_fingerprint":"fp_b3f1157249","choices":[{"index":0,"delta":{"content":"Yes, I'm here. "},"logprobs":null,"finish_reason":null}],"usage":null}""",
            """{"id":"chatcmpl-CZ4kVv7wXx8yYz9zAa0aBb1bCc2d","object":"chat.completion.chunk","created":1767225700,"model":"gpt-test","system_fingerprint":"fp_b3f1157249","choices":[{"index":0,"delta":{"content":"Ask me again about your portfolio."},"logprobs":null,"finish_reason":null}],"usage":null}""",
            """{"id":"chatcmpl-CZ4kVv7wXx8yYz9zAa0aBb1bCc2d","object":"chat.completion.chunk","created":1767225700,"model":"gpt-test","system_fingerprint":"fp_b3f1157249","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}"""));
        server.Script("title", OpenAIWireTests.IsTitleCall, OpenAIWireTests.Completion("chatcmpl-CZ4kWw8xYy9zZa0aBb1bCc2cDd3e", "Portfolio value question"));
        server.Script("facts", OpenAIWireTests.IsFactsCall, OpenAIWireTests.Completion("chatcmpl-CZ4kXx9yZz0aAb1bBc2cCd3dDe4f", "[]"));

        var client = await DirectLineTestClient.StartAsync(host.App.CreateClient());
        await client.SendAsync(FirstText);
        var first = Assert.Single(await client.WaitForBotRepliesAsync(1));
        Assert.Equal(AnthropicWireErrorTests.Apology, first.GetProperty("text").GetString());

        // One try and the pipeline's three retries, spaced by its exponential backoff (0.8 s, 1.6 s, 3.2 s).
        var attempts = server.AnsweredBy("rate limited");
        Assert.Equal(4, attempts.Count);
        Assert.All(attempts, a => Assert.True(a.IsStreaming));
        var gaps = attempts.Zip(attempts.Skip(1), (a, b) => b.ReceivedAt - a.ReceivedAt).ToList();
        Assert.All(gaps, gap => Assert.True(gap >= TimeSpan.FromMilliseconds(700), $"retries came {string.Join(", ", gaps.Select(g => $"{g.TotalMilliseconds:0} ms"))} apart"));
        Assert.Equal(1, await host.App.Database.CountAsync(
            "SELECT count(*) FROM inbox WHERE status = 'Failed' AND last_error LIKE '%429%' AND event_id LIKE $1 || ':%'", client.ConversationId));

        await client.SendAsync(SecondText);
        var replies = await client.WaitForBotRepliesAsync(2);
        Assert.Equal("Yes, I'm here. Ask me again about your portfolio.", replies[1].GetProperty("text").GetString());

        var answer = Assert.Single(server.AnsweredBy("answer"));
        var history = answer.ChatMessages().Select(m => (m.Role(), m.ContentText())).ToList();
        Assert.Contains(("user", FirstText), history);
        Assert.Contains(("assistant", AnthropicWireErrorTests.Apology), history);

        await server.WaitForAsync(r => r.Any(x => x.AnsweredBy == "facts"), "the post-turn calls");
        var records = new WebChatRecords(host.App.Database, client.ConversationId);
        Assert.Equal("Portfolio value question", await Eventually.GetAsync(records.TitleAsync, t => t is not null, "the thread title"));
        var events = await records.EventsAsync();
        Assert.Equal(["user", "assistant", "user", "assistant"], events.Select(e => e.Role));
        Assert.DoesNotContain(server.Requests, r => r.AnsweredBy is null);
    }
}
