using Bot.Tests.Support;

namespace Bot.Tests.Integration.LlmWire;

/// <summary>The Messages API overloaded (HTTP 529) for a whole turn: the SDK retries, then the turn's error boundary answers.</summary>
public class AnthropicWireErrorTests(AnthropicWireHost host) : IClassFixture<AnthropicWireHost>
{
    public const string Apology = "Sorry, something went wrong on my side while handling that message. Your thread is intact; please try again.";
    private const string FirstText = "What is my portfolio worth today?";
    private const string SecondText = "Are you back?";

    [Fact]
    public async Task An_overloaded_API_gets_the_user_a_plain_apology_and_the_thread_answers_the_next_message()
    {
        var server = host.Server;
        // Real overloaded answers carry no retry-after, so the SDK's own backoff applies (about 0.5 s, then 1 s).
        server.Script("overloaded", r => r.IsMessages() && r.LastUserText() == FirstText,
            AnthropicWire.Error(529, "overloaded_error", "Overloaded", new Dictionary<string, string> { ["request-id"] = "req_011CVwYQp5Xo1Fh3tUQTn9Js" }),
            times: null);
        server.Script("answer", r => r.IsMessages() && r.IsStreaming && r.LastUserText() == SecondText, AnthropicWire.Stream(
            ("message_start", """{"type":"message_start","message":{"id":"msg_01Ms7uVqW2kJx8bN3cRtY5zA","type":"message","role":"assistant","model":"claude-test","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":640,"output_tokens":1}}}"""),
            ("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"""),
            ("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Yes, I'm here. "}}"""),
            ("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Ask me again about your portfolio."}}"""),
            ("content_block_stop", """{"type":"content_block_stop","index":0}"""),
            ("message_delta", """{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":12}}"""),
            ("message_stop", """{"type":"message_stop"}""")));
        server.Script("title", AnthropicWireTests.IsTitleCall, AnthropicWireTests.TitleMessage);
        server.Script("facts", AnthropicWireTests.IsFactsCall, AnthropicWireTests.NoFactsMessage);

        var client = await DirectLineTestClient.StartAsync(host.App.CreateClient());
        await client.SendAsync(FirstText);
        var first = Assert.Single(await client.WaitForBotRepliesAsync(1));
        Assert.Equal(Apology, first.GetProperty("text").GetString());

        // One try and the SDK's two retries (MaxRetries defaults to 2), each marked with its retry count.
        var attempts = server.AnsweredBy("overloaded");
        Assert.Equal(3, attempts.Count);
        Assert.Equal(["0", "1", "2"], attempts.Select(a => a.Header("x-stainless-retry-count")));
        Assert.All(attempts, a => Assert.True(a.IsStreaming));
        Assert.Equal(1, await host.App.Database.CountAsync(
            "SELECT count(*) FROM inbox WHERE status = 'Failed' AND last_error LIKE '%529%' AND event_id LIKE $1 || ':%'", client.ConversationId));

        await client.SendAsync(SecondText);
        var replies = await client.WaitForBotRepliesAsync(2);
        Assert.Equal("Yes, I'm here. Ask me again about your portfolio.", replies[1].GetProperty("text").GetString());

        // The next turn's prompt holds the failed exchange, so the model knows what happened.
        var answer = Assert.Single(server.AnsweredBy("answer"));
        var history = answer.Blocks().Select(b => (b.Role, Text: b.Block.TryGetProperty("text", out var t) ? t.GetString() : null)).ToList();
        Assert.Contains(("user", FirstText), history);
        Assert.Contains(("assistant", Apology), history);

        await server.WaitForAsync(r => r.Any(x => x.AnsweredBy == "facts"), "the post-turn calls");
        var records = new WebChatRecords(host.App.Database, client.ConversationId);
        Assert.Equal(AnthropicWireTests.Title, await Eventually.GetAsync(records.TitleAsync, t => t is not null, "the thread title"));
        var events = await records.EventsAsync();
        Assert.Equal(["user", "assistant", "user", "assistant"], events.Select(e => e.Role));
        Assert.Equal([FirstText, Apology, SecondText, "Yes, I'm here. Ask me again about your portfolio."], events.Select(e => e.Text));
        Assert.DoesNotContain(server.Requests, r => r.AnsweredBy is null);
    }
}
