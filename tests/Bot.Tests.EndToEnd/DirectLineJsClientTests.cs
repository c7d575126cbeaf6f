using System.Text.Json;
using Bot.Tests.Support;

namespace Bot.Tests.EndToEnd;

/// <summary>
/// Microsoft's own Direct Line client, <c>botframework-directlinejs</c> (what Web Chat runs on), against the real host
/// process over its WebSocket transport: start, post, echo, replies, and reconnects with and without a watermark.
/// The Node side (tests/peers/directline-client.mjs) records what the library saw; this side checks it.
/// </summary>
public sealed class DirectLineJsClientTests
{
    private const string HelpReply = "**What I can do**";
    private const string FreeTextReply = "I understand commands rather than free text";
    private const string ThreadsReply = "**Your recent threads**";

    [Fact]
    public async Task Directlinejs_talks_to_the_bot_over_the_websocket_and_reconnects_with_and_without_a_watermark()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var host = await BotHostProcess.StartAsync(database.ConnectionString);

        var run = await NodeScript.RunAsync("directline-client.mjs", [host.BaseUrl.ToString(), "60000"], TimeSpan.FromSeconds(90));
        var line = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        Assert.True(run.ExitCode == 0 && line is not null,
            $"directline-client.mjs exited {run.ExitCode}.\nstdout:\n{run.StandardOutput}\nstderr:\n{run.StandardError}\nhost:\n{host.Output}");

        using var document = JsonDocument.Parse(line!);
        var result = document.RootElement;
        var context = $"\nresult: {line}\nhost:\n{host.Output}";
        Assert.True(result.GetProperty("ok").GetBoolean(), "the script reported failure" + context);
        var conversationId = Str(result, "conversationId");
        Assert.Equal(201, result.GetProperty("startStatus").GetInt32());

        // Client A: started from a token alone, came Online, and its activities came over the WebSocket stream only.
        var a = result.GetProperty("clientA");
        AssertCameOnline(a, "client A", context);
        var transport = result.GetProperty("transport");
        var sockets = transport.GetProperty("webSockets").EnumerateArray().ToList();
        Assert.True(sockets.Count == 3, "one WebSocket per client expected" + context);
        foreach (var socket in sockets)
        {
            Assert.True(socket.GetProperty("opened").GetBoolean(), "a WebSocket did not open" + context);
            Assert.StartsWith($"ws://127.0.0.1:{host.Port}/v3/directline/conversations/{conversationId}/stream?t=", Str(socket, "url"), StringComparison.Ordinal);
            Assert.True(socket.GetProperty("frames").GetInt32() >= 1, "a WebSocket carried no frame" + context);
        }
        Assert.True(transport.GetProperty("activityPolls").GetInt32() == 0, "directlinejs fell back to polling GET /activities" + context);

        var exchangesA = a.GetProperty("exchanges").EnumerateArray().ToList();
        Assert.Equal(2, exchangesA.Count);
        AssertExchange(exchangesA[0], "/help", HelpReply, conversationId, context);
        AssertExchange(exchangesA[1], "hello there", FreeTextReply, conversationId, context);
        Assert.Empty(a.GetProperty("duplicateIds").EnumerateArray());
        var watermark = Str(a, "watermark");
        Assert.Equal(["user", "bot", "user", "bot"], a.GetProperty("activities").EnumerateArray().Select(x => Str(x, "role")).ToArray());

        // Client B: reconnected with conversationId + token + watermark; the stream URL carried the watermark, and the
        // replay is exactly what was committed after it (the message posted while offline, then its reply).
        var b = result.GetProperty("clientB");
        AssertCameOnline(b, "client B", context);
        Assert.EndsWith("&watermark=" + watermark, Str(sockets[1], "url"), StringComparison.Ordinal);
        Assert.Contains(transport.GetProperty("httpRequests").EnumerateArray(), r =>
            Str(r, "method") == "GET" && Str(r, "url") == $"/conversations/{conversationId}?watermark={watermark}" && r.GetProperty("status").GetInt32() == 200);
        Assert.Empty(b.GetProperty("replayedIdsSeenByA").EnumerateArray());
        var replayed = b.GetProperty("replayed").EnumerateArray().ToList();
        var offline = b.GetProperty("offline");
        Assert.True(replayed.Count >= 2, "client B's replay is short" + context);
        Assert.Equal(Str(offline, "clientActivityID"), Str(replayed[0], "clientActivityID"));
        Assert.Equal(Str(offline, "postedId"), Str(replayed[0], "id"));
        Assert.Equal("/threads", Str(replayed[0], "text"));
        Assert.Equal("bot", Str(replayed[1], "role"));
        Assert.StartsWith(ThreadsReply, Str(replayed[1], "text"), StringComparison.Ordinal);
        AssertExchange(b.GetProperty("exchanges")[0], "/help", HelpReply, conversationId, context);
        Assert.Empty(b.GetProperty("duplicateIds").EnumerateArray());

        // Client C: reconnected without a watermark: the whole conversation, in order, once.
        var c = result.GetProperty("clientC");
        AssertCameOnline(c, "client C", context);
        var history = c.GetProperty("history").EnumerateArray().ToList();
        Assert.True(history.Count == 8, $"client C replayed {history.Count} activities, not 8" + context);
        Assert.Empty(c.GetProperty("duplicateIds").EnumerateArray());
        Assert.Equal(["/help", "hello there", "/threads", "/help"], history.Where((_, i) => i % 2 == 0).Select(x => Str(x, "text")).ToArray());
        Assert.All(history.Where((_, i) => i % 2 == 0), x => Assert.Equal("user", Str(x, "role")));
        Assert.All(history.Where((_, i) => i % 2 == 1), x => Assert.Equal("bot", Str(x, "role")));
        string[] replies = [HelpReply, FreeTextReply, ThreadsReply, HelpReply];
        for (var i = 0; i < replies.Length; i++)
        {
            Assert.Contains(replies[i], Str(history[(2 * i) + 1], "text"), StringComparison.Ordinal);
        }
        var everyId = exchangesA.Concat([b.GetProperty("exchanges")[0]])
            .SelectMany(e => new[] { Str(e.GetProperty("echo"), "id"), Str(e.GetProperty("reply"), "id") })
            .Concat([Str(replayed[0], "id"), Str(replayed[1], "id")])
            .Order(StringComparer.Ordinal);
        Assert.Equal(everyId, history.Select(x => Str(x, "id")).Order(StringComparer.Ordinal));

        // Everything acknowledged is in the database: four inbox rows, each turn done, eight log entries.
        Assert.Equal(4, await database.CountAsync("SELECT count(*) FROM inbox WHERE channel = 'web'"));
        Assert.Equal(4, await database.CountAsync("SELECT count(*) FROM inbox WHERE status = 'Done'"));
        Assert.Equal(8, await database.CountAsync("SELECT count(*) FROM directline_activities WHERE conversation_address = $1", conversationId));
    }

    private static void AssertCameOnline(JsonElement client, string name, string context)
    {
        var statuses = client.GetProperty("statuses").EnumerateArray().Select(s => s.GetString()).ToList();
        Assert.True(statuses.Take(3).SequenceEqual(["Uninitialized", "Connecting", "Online"]),
            $"{name} went {string.Join(" > ", statuses)}" + context);
        Assert.DoesNotContain("FailedToConnect", statuses);
        Assert.DoesNotContain("ExpiredToken", statuses);
    }

    private static void AssertExchange(JsonElement exchange, string text, string replyFragment, string conversationId, string context)
    {
        var echo = exchange.GetProperty("echo");
        var reply = exchange.GetProperty("reply");
        Assert.Equal(text, Str(exchange, "text"));
        // The echo is the user's own activity, sent back with the id the POST answered and the client's clientActivityID.
        Assert.True(Str(echo, "clientActivityID") == Str(exchange, "clientActivityID"), $"echo of {text} lost its clientActivityID" + context);
        Assert.Equal(Str(exchange, "postedId"), Str(echo, "id"));
        Assert.Equal(text, Str(echo, "text"));
        Assert.Equal("user", Str(echo, "role"));
        Assert.Equal(conversationId, Str(echo, "conversationId"));
        Assert.Equal("bot", Str(reply, "role"));
        Assert.Equal("message", Str(reply, "type"));
        Assert.Equal(conversationId, Str(reply, "conversationId"));
        Assert.Contains(replyFragment, Str(reply, "text"), StringComparison.Ordinal);
        Assert.NotEqual(Str(echo, "id"), Str(reply, "id"));
    }

    private static string Str(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : string.Empty;
}
