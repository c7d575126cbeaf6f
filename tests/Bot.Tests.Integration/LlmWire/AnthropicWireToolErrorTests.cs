using System.Text.Json;
using Bot.Tests.Support;

namespace Bot.Tests.Integration.LlmWire;

/// <summary>A tool that refuses (a <c>ToolError</c>) over the Messages wire: the model reads why, the thread records an error.</summary>
public class AnthropicWireToolErrorTests(AnthropicWireHost host) : IClassFixture<AnthropicWireHost>
{
    private const string UserText = "Remember nothing in particular";
    private const string ToolUseId = "toolu_01Nq4XbT7mVz2LcP9sRw3KfH";

    [Fact]
    public async Task A_tool_error_reaches_the_model_as_a_compact_tool_result_and_is_recorded_as_an_error()
    {
        var server = host.Server;
        server.Script("blank remember", r => r.IsMessages() && r.IsStreaming && r.LastUserText() == UserText && !r.HasBlock("tool_result"), AnthropicWire.Stream(
            ("message_start", """{"type":"message_start","message":{"id":"msg_01Vb2Nc3Md4Lf5Kg6Jh7Hj8G","type":"message","role":"assistant","model":"claude-test","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1101,"output_tokens":1}}}"""),
            ("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_01Nq4XbT7mVz2LcP9sRw3KfH","name":"remember","input":{}}}"""),
            ("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"content\": \"  \", "}}"""),
            ("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"\"kind\": \"fact\"}"}}"""),
            ("content_block_stop", """{"type":"content_block_stop","index":0}"""),
            ("message_delta", """{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":30}}"""),
            ("message_stop", """{"type":"message_stop"}""")));
        server.Script("answer", r => r.IsMessages() && r.IsStreaming && r.HasBlock("tool_result"), AnthropicWire.Stream(
            ("message_start", """{"type":"message_start","message":{"id":"msg_01Wc3Pd4Qe5Rf6Sg7Th8Ui9V","type":"message","role":"assistant","model":"claude-test","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1190,"output_tokens":1}}}"""),
            ("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"""),
            ("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"There was nothing to remember."}}"""),
            ("content_block_stop", """{"type":"content_block_stop","index":0}"""),
            ("message_delta", """{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":8}}"""),
            ("message_stop", """{"type":"message_stop"}""")));
        server.Script("title", AnthropicWireTests.IsTitleCall, AnthropicWireTests.TitleMessage);
        server.Script("facts", AnthropicWireTests.IsFactsCall, AnthropicWireTests.NoFactsMessage);

        var client = await DirectLineTestClient.StartAsync(host.App.CreateClient());
        await client.SendAsync(UserText);
        var reply = Assert.Single(await client.WaitForBotRepliesAsync(1));
        Assert.Equal("There was nothing to remember.", reply.GetProperty("text").GetString());
        await server.WaitForAsync(r => r.Any(x => x.AnsweredBy == "facts"), "the post-turn calls");

        // The model reads the tool's refusal, as compact JSON, under the id of its call.
        var toolResult = Assert.Single(Assert.Single(server.AnsweredBy("answer")).Blocks(), b => b.Block.GetProperty("type").GetString() == "tool_result").Block;
        Assert.Equal(ToolUseId, toolResult.GetProperty("tool_use_id").GetString());
        var content = toolResult.GetProperty("content") is { ValueKind: JsonValueKind.String } s ? s.GetString()!
            : string.Concat(toolResult.GetProperty("content").EnumerateArray().Select(c => c.GetProperty("text").GetString()));
        Assert.Equal("""{"error":"A memory needs some text. (Parameter 'content')"}""", content);
        // And the provider is told it is an error, not a result.
        Assert.True(toolResult.TryGetProperty("is_error", out var isError) && isError.GetBoolean());

        // The thread records the step as an error, and nothing was remembered.
        var records = new WebChatRecords(host.App.Database, client.ConversationId);
        var result = Assert.Single(await records.EventsAsync(), e => e.Role == "tool").Content.GetProperty("toolResult");
        Assert.True(result.GetProperty("isError").GetBoolean());
        Assert.Empty(await records.OwnerMemoriesAsync());
        Assert.DoesNotContain(server.Requests, r => r.AnsweredBy is null);
    }
}
