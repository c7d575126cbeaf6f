using System.Net;
using System.Text.Json;

using Bot.Tests.Support;

namespace Bot.Tests.Integration;

/// <summary>The web channel through the real host on real PostgreSQL, with turn workers and senders running.</summary>
public class DirectLineTests(BotAppFactory app) : IClassFixture<BotAppFactory>
{
    [Fact]
    public async Task Reply_is_persisted_and_delivered()
    {
        var client = await DirectLineTestClient.StartAsync(app.CreateClient());
        Assert.StartsWith("ws://", client.StreamUrl, StringComparison.Ordinal);
        await client.SendAsync("/help");

        var reply = Assert.Single(await client.WaitForBotRepliesAsync(1));
        Assert.Contains("What I can do", reply.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("I am running without a language model, so I answer commands, not free text.", reply.GetProperty("text").GetString(), StringComparison.Ordinal);

        var replyId = reply.GetProperty("id").GetString()!;
        // The reply reaches the client first; its outbox row is marked sent when the sender records its batch.
        Assert.Equal(1, await Eventually.GetAsync(() => app.Database.CountAsync(
            "SELECT count(*) FROM outbox WHERE status = 'Sent' AND platform_message_id = $1 AND sent_at IS NOT NULL", replyId), n => n == 1, "the reply's outbox row recorded as sent"));
        Assert.Equal(1, await app.Database.CountAsync(
            """
            SELECT count(*) FROM thread_events e JOIN threads t ON t.id = e.thread_id JOIN conversations c ON c.id = t.conversation_id
            WHERE c.address = $1 AND e.role = 'assistant' AND e.content->>'text' LIKE '%What I can do%'
            """, client.ConversationId));
        Assert.Equal(1, await app.Database.CountAsync("SELECT count(*) FROM inbox WHERE status = 'Done' AND event_id LIKE $1 || ':%'", client.ConversationId));
    }

    [Fact]
    public async Task The_same_activity_posted_many_times_gives_one_turn_and_one_reply()
    {
        var client = await DirectLineTestClient.StartAsync(app.CreateClient());
        var ids = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => client.SendAsync("/help", clientActivityId: "same-client-id")));
        Assert.Single(ids.Distinct());

        await client.WaitForBotRepliesAsync(1);
        // One inbox row means one turn: nothing is left that could produce a second reply.
        Assert.Equal(1, await app.Database.CountAsync("SELECT count(*) FROM inbox WHERE event_id = $1", client.ConversationId + ":same-client-id"));
        await Eventually.GetAsync(
            () => app.Database.CountAsync("SELECT count(*) FROM inbox WHERE event_id = $1 AND status = 'Done'", client.ConversationId + ":same-client-id"),
            n => n == 1, "the turn to finish");
        Assert.Equal(1, await app.Database.CountAsync(
            "SELECT count(*) FROM outbox o JOIN conversations c ON c.id = o.conversation_id WHERE c.address = $1", client.ConversationId));
        var activities = await client.ActivitiesAsync();
        Assert.Equal(2, activities.Count); // the echo and the reply
    }

    [Fact]
    public async Task A_burst_of_messages_and_retries_into_one_conversation_gets_one_reply_each()
    {
        var client = await DirectLineTestClient.StartAsync(app.CreateClient());
        // 20 messages, each posted three times at once (a client retrying), all while turns run.
        var posts = Enumerable.Range(0, 20).SelectMany(i => Enumerable.Repeat(i, 3))
            .Select(i => client.SendAsync(i % 2 == 0 ? "/help" : "/threads", clientActivityId: $"burst-{i}"));
        var ids = await Task.WhenAll(posts);
        Assert.Equal(20, ids.Distinct().Count());

        await client.WaitForBotRepliesAsync(20);
        await Eventually.GetAsync(
            () => app.Database.CountAsync("SELECT count(*) FROM inbox WHERE event_id LIKE $1 || ':burst-%' AND status = 'Done'", client.ConversationId),
            n => n == 20, "all turns done");
        Assert.Equal(20, (await client.BotRepliesAsync()).Count);
        Assert.Equal(40, (await client.ActivitiesAsync()).Count);
    }

    [Fact]
    public async Task The_stream_delivers_every_stored_activity_while_messages_and_replies_interleave()
    {
        // Echoes are committed by the inbound transaction while replies are appended by the outbox sender: the
        // stream's watermark must never step over a row that commits later than a higher one.
        var client = await DirectLineTestClient.StartAsync(app.CreateClient());
        using var socket = await app.Server.CreateWebSocketClient().ConnectAsync(new Uri(client.StreamUrl), default);
        var streamed = new HashSet<string>();
        var reading = Task.Run(async () =>
        {
            var buffer = new byte[256 * 1024];
            while (socket.State == System.Net.WebSockets.WebSocketState.Open)
            {
                var frame = new System.Text.StringBuilder();
                System.Net.WebSockets.WebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer, default);
                    frame.Append(System.Text.Encoding.UTF8.GetString(buffer, 0, result.Count));
                }
                while (!result.EndOfMessage && result.MessageType != System.Net.WebSockets.WebSocketMessageType.Close);
                if (result.MessageType == System.Net.WebSockets.WebSocketMessageType.Close || frame.Length == 0)
                {
                    return;
                }
                foreach (var activity in JsonDocument.Parse(frame.ToString()).RootElement.GetProperty("activities").EnumerateArray())
                {
                    lock (streamed)
                    {
                        streamed.Add(activity.GetProperty("id").GetString()!);
                    }
                }
            }
        });

        for (var round = 0; round < 5; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 8).Select(i => client.SendAsync("/help", clientActivityId: $"interleave-{round}-{i}")));
        }
        await client.WaitForBotRepliesAsync(40);
        var stored = (await client.ActivitiesAsync()).Select(a => a.GetProperty("id").GetString()!).ToHashSet();
        Assert.Equal(80, stored.Count);
        await Eventually.GetAsync(() => { lock (streamed) { return Task.FromResult(stored.Except(streamed).Count()); } }, n => n == 0, "every stored activity on the stream");
        await socket.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "done", default);
        await reading.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(System.Net.WebSockets.WebSocketState.Closed, socket.State); // the server answered the close
    }

    [Fact]
    public async Task The_users_own_activity_is_echoed_with_its_client_activity_id_before_the_reply()
    {
        var client = await DirectLineTestClient.StartAsync(app.CreateClient());
        var id = await client.SendAsync("/threads", clientActivityId: "echo-me");
        await client.WaitForBotRepliesAsync(1);

        var activities = await client.ActivitiesAsync();
        var echo = activities[0];
        Assert.Equal(id, echo.GetProperty("id").GetString());
        Assert.Equal("echo-me", echo.GetProperty("channelData").GetProperty("clientActivityID").GetString());
        Assert.Equal("user", echo.GetProperty("from").GetProperty("role").GetString());
        Assert.Equal("bot", activities[1].GetProperty("from").GetProperty("role").GetString());
    }

    [Fact]
    public async Task Watermark_returns_only_newer_activities()
    {
        var client = await DirectLineTestClient.StartAsync(app.CreateClient());
        await client.SendAsync("/help");
        await client.WaitForBotRepliesAsync(1);
        var http = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v3/directline/conversations/{client.ConversationId}/activities");
        request.Headers.Authorization = new("Bearer", client.Token);
        var body = JsonDocument.Parse(await (await http.SendAsync(request)).Content.ReadAsStringAsync()).RootElement;
        var watermark = body.GetProperty("watermark").GetString();

        Assert.Empty(await client.ActivitiesAsync(watermark));
        await client.SendAsync("/threads");
        await client.WaitForBotRepliesAsync(2);
        var newer = await client.ActivitiesAsync(watermark);
        Assert.Equal(2, newer.Count);
        Assert.Equal("/threads", newer[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Commands_answer_as_documented_in_the_web_chat()
    {
        var client = await DirectLineTestClient.StartAsync(app.CreateClient());
        await client.SendAsync("How do my savings look?");
        await client.SendAsync("/new");
        await client.SendAsync("/threads");
        await client.SendAsync("/frobnicate");
        var replies = (await client.WaitForBotRepliesAsync(4)).Select(r => r.GetProperty("text").GetString()!).ToList();

        Assert.Contains("understand commands", replies[0], StringComparison.Ordinal);
        Assert.Contains("New thread", replies[1], StringComparison.Ordinal);
        Assert.Contains("How do my savings look? (this thread)", replies[2], StringComparison.Ordinal);
        Assert.Contains("`/frobnicate`", replies[3], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reconnect_and_token_refresh_keep_the_conversation()
    {
        var client = await DirectLineTestClient.StartAsync(app.CreateClient());
        var http = app.CreateClient();

        using var reconnect = new HttpRequestMessage(HttpMethod.Get, $"/v3/directline/conversations/{client.ConversationId}?watermark=3");
        reconnect.Headers.Authorization = new("Bearer", client.Token);
        var body = JsonDocument.Parse(await (await http.SendAsync(reconnect)).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(client.ConversationId, body.GetProperty("conversationId").GetString());
        Assert.EndsWith("&watermark=3", body.GetProperty("streamUrl").GetString(), StringComparison.Ordinal);

        using var refresh = new HttpRequestMessage(HttpMethod.Post, "/v3/directline/tokens/refresh");
        refresh.Headers.Authorization = new("Bearer", client.Token);
        var refreshed = JsonDocument.Parse(await (await http.SendAsync(refresh)).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(client.ConversationId, refreshed.GetProperty("conversationId").GetString());
        Assert.True(refreshed.GetProperty("expires_in").GetInt32() > 0);
    }

    [Fact]
    public async Task A_message_over_the_text_limit_is_answered_with_the_limit_and_kept_only_as_a_note()
    {
        var client = await DirectLineTestClient.StartAsync(app.CreateClient());
        using var posted = await client.PostRawAsync(JsonSerializer.Serialize(new { type = "message", text = new string('x', 20_000) }));
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);

        var reply = Assert.Single(await client.WaitForBotRepliesAsync(1));
        Assert.Contains("20,000 characters", reply.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("16,000", reply.GetProperty("text").GetString(), StringComparison.Ordinal);
        // Neither the inbox, the thread nor the transcript holds the text itself.
        Assert.Equal(0, await app.Database.CountAsync("SELECT count(*) FROM inbox WHERE length(payload::text) > 5000"));
        Assert.Equal(0, await app.Database.CountAsync("SELECT count(*) FROM thread_events WHERE length(content::text) > 5000"));
        Assert.Equal(0, await app.Database.CountAsync("SELECT count(*) FROM directline_activities WHERE length(activity::text) > 5000"));
    }

    [Fact]
    public async Task Bad_input_gets_a_clear_error_and_changes_nothing()
    {
        var client = await DirectLineTestClient.StartAsync(app.CreateClient());
        var other = await DirectLineTestClient.StartAsync(app.CreateClient());
        var before = await app.Database.CountAsync("SELECT count(*) FROM inbox");

        async Task ExpectAsync(HttpStatusCode status, Task<HttpResponseMessage> call, string messagePart)
        {
            var response = await call;
            Assert.Equal(status, response.StatusCode);
            var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
            Assert.Contains(messagePart, error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        }

        await ExpectAsync(HttpStatusCode.BadRequest, client.PostRawAsync("{\"type\":\"message\",\"text\":"), "not valid JSON");
        await ExpectAsync(HttpStatusCode.BadRequest, client.PostRawAsync("[1,2,3]"), "wrong type");
        await ExpectAsync(HttpStatusCode.BadRequest, client.PostRawAsync("{\"type\":\"message\",\"text\":\"\\ud800\"}"), "lone surrogate");
        await ExpectAsync(HttpStatusCode.BadRequest, client.PostRawAsync("{\"type\":\"message\",\"text\":\"hi\",\"channelData\":{\"clientActivityID\":\"" + new string('x', 600) + "\"}}"), "longer than 512");
        await ExpectAsync(HttpStatusCode.BadRequest, client.PostRawAsync("{\"type\":\"message\",\"text\":\"   \"}"), "needs text");
        await ExpectAsync(HttpStatusCode.RequestEntityTooLarge, client.PostRawAsync(JsonSerializer.Serialize(new { type = "message", text = new string('x', 70_000) })), "larger than");
        await ExpectAsync(HttpStatusCode.Forbidden, client.PostRawAsync("{\"type\":\"message\",\"text\":\"hi\"}", token: "forged"), "token");
        await ExpectAsync(HttpStatusCode.Forbidden, client.PostRawAsync("{\"type\":\"message\",\"text\":\"hi\"}", token: other.Token), "token");
        await ExpectAsync(HttpStatusCode.Forbidden, client.PostRawAsync("{\"type\":\"message\",\"text\":\"hi\"}", token: ""), "token");

        using var badWatermark = new HttpRequestMessage(HttpMethod.Get, $"/v3/directline/conversations/{client.ConversationId}/activities?watermark=abc");
        badWatermark.Headers.Authorization = new("Bearer", client.Token);
        Assert.Equal(HttpStatusCode.BadRequest, (await app.CreateClient().SendAsync(badWatermark)).StatusCode);

        Assert.Equal(before, await app.Database.CountAsync("SELECT count(*) FROM inbox"));
        Assert.Empty(await client.ActivitiesAsync());
    }

    [Fact]
    public async Task Typing_activities_are_acknowledged_and_not_kept()
    {
        var client = await DirectLineTestClient.StartAsync(app.CreateClient());
        var response = await client.PostRawAsync("{\"type\":\"typing\",\"from\":{\"id\":\"u\"}}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await client.ActivitiesAsync());
    }

    [Fact]
    public async Task Health_endpoints_report_live_and_ready()
    {
        var http = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health/live", UriKind.Relative))).StatusCode);
        var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OpenApi_describes_the_threads_api()
    {
        var document = JsonDocument.Parse(await app.CreateClient().GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative))).RootElement;
        var paths = document.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/threads", out _));
        Assert.True(paths.TryGetProperty("/api/threads/{id}/events", out _));
    }
}
