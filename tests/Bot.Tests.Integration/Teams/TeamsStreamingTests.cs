using System.Net;
using System.Text.Json.Nodes;
using Bot.Tests.Integration.LlmWire;
using Bot.Tests.Support;

namespace Bot.Tests.Integration.Teams;

/// <summary>The Teams host of <see cref="TeamsHostFixture"/>, with a model that streams (a scripted Anthropic Messages API).</summary>
public sealed class TeamsLlmHostFixture : TeamsHostFixture
{
    public ScriptedLlmServer Llm { get; private set; } = null!;

    protected override async Task<IDictionary<string, string>> StartMoreAsync()
    {
        Llm = await ScriptedLlmServer.StartAsync();
        return new Dictionary<string, string>
        {
            ["Llm:Provider"] = "anthropic",
            ["Llm:ApiKey"] = LlmWireHost.ApiKey,
            ["Llm:Model"] = "claude-test",
            ["Llm:BaseUrl"] = Llm.BaseUrl.ToString().TrimEnd('/'),
        };
    }

    protected override async Task StopMoreAsync() => await Llm.DisposeAsync();
}

/// <summary>
/// Live text streaming to a Teams personal chat, in the wire format Microsoft documents ("Stream bot messages"):
/// typing activities with a streaminfo entity (sequence from 1, then the first one's id as the stream id), and the
/// final message with stream type final naming that stream; the reply keeps the streamed message's id.
/// </summary>
public class TeamsStreamingTests(TeamsLlmHostFixture fixture) : IClassFixture<TeamsLlmHostFixture>
{
    private const string Question = "Should I keep my emergency fund in bonds?";
    private const string Answer = "Keep it in cash or a savings account. Bonds can lose value just when you need the money.";

    /// <summary>The answer in three pieces, far enough apart for Teams' pace (one update every 1.5 s at most).</summary>
    private static readonly SseReply AnswerStream = AnthropicWire.TextStream(TimeSpan.FromSeconds(1.7),
        "Keep it in cash ", "or a savings account. ", "Bonds can lose value just when you need the money.");

    [Fact]
    public async Task A_reply_streams_to_a_personal_chat_and_its_final_message_ends_the_stream()
    {
        var bot = fixture.BotFramework;
        fixture.Llm.Script("answer", r => r.IsMessages() && r.IsStreaming && r.LastUserText() == Question, AnswerStream);
        fixture.Llm.Script("title", AnthropicWireTests.IsTitleCall, AnthropicWireTests.TitleMessage);
        fixture.Llm.Script("facts", AnthropicWireTests.IsFactsCall, AnthropicWireTests.NoFactsMessage);
        var conversation = "a:stream-" + Guid.NewGuid().ToString("N")[..8];
        using (var response = await fixture.PostAsync(fixture.Message(Question, conversationId: conversation)))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
        var final = await Eventually.GetAsync(
            () => Task.FromResult(In(bot, conversation).FirstOrDefault(r => r.Body["type"]?.GetValue<string>() == "message")),
            r => r.Body is not null, "the final reply", TimeSpan.FromSeconds(60));

        var updates = In(bot, conversation).Where(r => r.Body["type"]?.GetValue<string>() == "typing" && StreamInfo(r.Body) is not null).ToList();
        Assert.NotEmpty(updates);
        var first = StreamInfo(updates[0].Body)!;
        Assert.Equal("streaming", first["streamType"]!.GetValue<string>());
        Assert.Equal(1, first["streamSequence"]!.GetValue<int>());
        Assert.Null(first["streamId"]);
        Assert.Equal("personal", updates[0].Body["conversation"]!["conversationType"]!.GetValue<string>());
        // The stream's id is the activity id the connector gave the first update.
        var streamId = updates[0].ReturnedId;
        for (var i = 1; i < updates.Count; i++)
        {
            var info = StreamInfo(updates[i].Body)!;
            Assert.Equal(i + 1, info["streamSequence"]!.GetValue<int>());
            Assert.Equal(streamId, info["streamId"]!.GetValue<string>());
            // Every update carries the whole text so far.
            Assert.StartsWith(updates[i - 1].Body["text"]!.GetValue<string>(), updates[i].Body["text"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        Assert.StartsWith(updates[^1].Body["text"]!.GetValue<string>(), Answer, StringComparison.Ordinal);

        var end = StreamInfo(final.Body)!;
        Assert.Equal("final", end["streamType"]!.GetValue<string>());
        Assert.Equal(streamId, end["streamId"]!.GetValue<string>());
        Assert.Null(end["streamSequence"]);
        Assert.Equal(Answer, final.Body["text"]!.GetValue<string>());
        Assert.Single(In(bot, conversation), r => r.Body["type"]?.GetValue<string>() == "message");
        // The reply is the streamed message: its outbox row names that id; the stream's id is not kept any longer.
        Assert.Equal(streamId, await fixture.Host.Database.ScalarAsync<string>(
            "SELECT o.platform_message_id FROM outbox o JOIN conversations c ON c.id = o.conversation_id WHERE c.address = $1 AND o.payload->>'streamId' IS NOT NULL", conversation));
        Assert.Equal(0, await fixture.Host.Database.CountAsync("SELECT count(*) FROM channel_state WHERE key LIKE 'teams:stream:%'"));
    }

    [Fact]
    public async Task A_group_chat_gets_the_reply_whole_without_streaming()
    {
        var bot = fixture.BotFramework;
        const string question = "What is an index fund?";
        fixture.Llm.Script("group answer", r => r.IsMessages() && r.IsStreaming && r.LastUserText() == question, AnswerStream);
        fixture.Llm.Script("group title", AnthropicWireTests.IsTitleCall, AnthropicWireTests.TitleMessage);
        var conversation = "19:group-" + Guid.NewGuid().ToString("N")[..8] + "@thread.v2";
        var activity = fixture.Message(question, conversationId: conversation);
        activity["conversation"]!["conversationType"] = "groupChat";
        activity["conversation"]!["isGroup"] = true;
        using (var response = await fixture.PostAsync(activity))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
        var final = await Eventually.GetAsync(
            () => Task.FromResult(In(bot, conversation).FirstOrDefault(r => r.Body["type"]?.GetValue<string>() == "message")),
            r => r.Body is not null, "the reply", TimeSpan.FromSeconds(60));
        Assert.Equal(Answer, final.Body["text"]!.GetValue<string>());
        Assert.Null(StreamInfo(final.Body));
        Assert.DoesNotContain(In(bot, conversation), r => StreamInfo(r.Body) is not null);
    }

    /// <summary>What the bot sent into one conversation (the path carries its id, escaped or not).</summary>
    private static IEnumerable<(string Method, string Path, JsonObject Body, string? Authorization, string ReturnedId)> In(FakeBotFramework bot, string conversation) =>
        bot.Received.Where(r => r.Body["conversation"]?["id"]?.GetValue<string>() == conversation);

    private static JsonObject? StreamInfo(JsonObject activity) =>
        activity["entities"] is JsonArray entities ? entities.OfType<JsonObject>().FirstOrDefault(e => e["type"]?.GetValue<string>() == "streaminfo") : null;
}
