using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Bot.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Tests.Integration;

/// <summary>LLM mode with workers running and a scripted model that streams slowly.</summary>
public class StreamingLlmFactory : BotAppFactory
{
    public ScriptedChatClient Chat { get; } = new();

    protected override IDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Llm:Provider"] = "openai",
        ["Llm:ApiKey"] = "test-key-not-real",
        ["Llm:Model"] = "scripted",
    };

    protected override void ConfigureTestServices(IServiceCollection services) => services.AddSingleton<IChatClient>(Chat);
}

/// <summary>While a turn runs, the web chat sees typing and the reply as it streams; the stored reply completes the stream.</summary>
public class LiveStreamingTests(StreamingLlmFactory app) : IClassFixture<StreamingLlmFactory>
{
    [Fact]
    public async Task Typing_then_streamed_text_then_the_final_reply_that_completes_it()
    {
        app.Chat
            .ThenStreamed(TimeSpan.FromMilliseconds(450), "Your spending ", "is on track ", "this month.")
            .Then(ScriptedChatClient.Text("Spending check"))
            .Then(ScriptedChatClient.Text("[]"));
        var client = await DirectLineTestClient.StartAsync(app.CreateClient());
        using var socket = await app.Server.CreateWebSocketClient().ConnectAsync(new Uri(client.StreamUrl), default);

        await client.SendAsync("How is my spending?");

        var received = new List<JsonElement>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[64 * 1024];
        while (!received.Any(a => a.GetProperty("type").GetString() == "message" && a.GetProperty("from").GetProperty("role").GetString() == "bot"))
        {
            var frame = new StringBuilder();
            WebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer, timeout.Token);
                frame.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
            }
            while (!result.EndOfMessage);
            received.AddRange(JsonDocument.Parse(frame.ToString()).RootElement.GetProperty("activities").EnumerateArray().Select(a => a.Clone()));
        }

        var bot = received.Where(a => a.GetProperty("from").GetProperty("role").GetString() == "bot").ToList();
        Assert.Equal("typing", bot[0].GetProperty("type").GetString());
        Assert.False(bot[0].TryGetProperty("text", out _)); // the plain indicator first
        var streamed = bot.Where(a => a.GetProperty("type").GetString() == "typing" && a.TryGetProperty("text", out _)).ToList();
        Assert.NotEmpty(streamed);
        var streamId = streamed[0].GetProperty("id").GetString();
        Assert.Equal("streaming", streamed[0].GetProperty("channelData").GetProperty("streamType").GetString());
        Assert.Equal(1, streamed[0].GetProperty("channelData").GetProperty("streamSequence").GetInt32());
        // The first chunk names its stream too (its own id), so Web Chat never takes a plain indicator for part of it.
        Assert.All(streamed, chunk => Assert.Equal(streamId, chunk.GetProperty("channelData").GetProperty("streamId").GetString()));
        Assert.StartsWith("Your spending", streamed[0].GetProperty("text").GetString(), StringComparison.Ordinal);

        var final = bot[^1];
        Assert.Equal("Your spending is on track this month.", final.GetProperty("text").GetString());
        Assert.Equal("final", final.GetProperty("channelData").GetProperty("streamType").GetString());
        Assert.Equal(streamId, final.GetProperty("channelData").GetProperty("streamId").GetString());

        // Live activities are not stored: a reconnecting client sees only the echo and the final reply.
        var stored = await client.ActivitiesAsync();
        Assert.Equal(["message", "message"], stored.Select(a => a.GetProperty("type").GetString()));
        Assert.Equal(WebSocketState.Open, socket.State); // the stream stays open for the next message
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", default);
    }
}
