using Bot.Tests.Support;

namespace Bot.Tests.Integration.LlmWire;

/// <summary>Text streamed live to the web chat while the model writes, when the thinking tag arrives split across deltas.</summary>
public class AnthropicWireStreamingTests(AnthropicWireHost host) : IClassFixture<AnthropicWireHost>
{
    private const string UserText = "Should I move my savings into bonds?";
    private const string Answer = "That depends on when you need the money. Bonds suit money you need in a few years.";

    // Fails today: the first delta "<thin" is streamed as is, because ThinkingFilter.Strip only knows whole tags.
    // The fix belongs in ThinkingFilter / LlmAgent's TurnObserver (hold back a trailing "<" + prefix of a known tag).
    [Fact]
    public async Task A_thinking_tag_split_across_deltas_never_shows_in_the_live_stream()
    {
        var server = host.Server;
        // Models stream tokens, not tags: "<thin" and "king>" arrive as separate deltas, with a pause in the reasoning.
        server.Script("answer", r => r.IsMessages() && r.IsStreaming && r.LastUserText() == UserText, AnthropicWire.Stream(
            ("message_start", """{"type":"message_start","message":{"id":"msg_01Tq8Yw2Er4Ty6Ui8Op0As2D","type":"message","role":"assistant","model":"claude-test","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":910,"output_tokens":1}}}""", 0),
            ("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""", 0),
            ("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"<thin"}}""", 0),
            ("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"king>No account data is needed; answer in general terms."}}""", 500),
            ("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"</thinking>\n\nThat depends on when you need the money. "}}""", 500),
            ("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Bonds suit money you need in a few years."}}""", 500),
            ("content_block_stop", """{"type":"content_block_stop","index":0}""", 0),
            ("message_delta", """{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":40}}""", 0),
            ("message_stop", """{"type":"message_stop"}""", 0)));
        server.Script("title", AnthropicWireTests.IsTitleCall, AnthropicWireTests.TitleMessage);
        server.Script("facts", AnthropicWireTests.IsFactsCall, AnthropicWireTests.NoFactsMessage);

        var client = await DirectLineTestClient.StartAsync(host.App.CreateClient());
        await using var live = await DirectLineLiveStream.ConnectAsync(host.App.Server, client.StreamUrl);
        await client.SendAsync(UserText);

        var reply = Assert.Single(await client.WaitForBotRepliesAsync(1));
        Assert.Equal(Answer, reply.GetProperty("text").GetString());
        await server.WaitForAsync(r => r.Any(x => x.AnsweredBy == "facts"), "the post-turn calls");

        Assert.NotEmpty(live.StreamedTexts);
        Assert.All(live.StreamedTexts, text => Assert.DoesNotContain("<", text, StringComparison.Ordinal));
        Assert.All(live.StreamedTexts, text => Assert.DoesNotContain("No account data", text, StringComparison.Ordinal));
    }
}
