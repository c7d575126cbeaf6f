using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bot.Tests.Support;

namespace Bot.Tests.Integration;

/// <summary><c>GET /api/status</c>: the operator's view of channels, backlogs, schedules and model usage; the owner's only.</summary>
public class StatusTests(StatusTests.Host host) : IClassFixture<StatusTests.Host>
{
    public sealed class Host : StrangerAwareFactory;

    [Fact]
    public async Task The_owner_sees_each_channel_the_backlog_the_last_undelivered_reply_and_todays_model_usage()
    {
        var client = await DirectLineTestClient.StartAsync(host.CreateClient());
        await client.SendAsync("/help");
        await client.WaitForBotRepliesAsync(1);
        var db = host.Database;
        var conversation = await db.ScalarAsync<Guid>("SELECT id FROM conversations WHERE channel = 'web' LIMIT 1");
        await db.ScalarAsync<int>(
            """
            INSERT INTO outbox (id, conversation_id, channel, payload, status, created_at, next_attempt_at, expires_at, last_error)
            VALUES (gen_random_uuid(), $1, 'web', '{}', 'Failed', now(), now(), now(), 'gave up after 5 tries: HTTP 503') RETURNING 1
            """, conversation);
        await db.ScalarAsync<int>(
            "INSERT INTO llm_usage (id, model, purpose, input_tokens, output_tokens, cost_usd, created_at) VALUES (gen_random_uuid(), 'm', 'reply', 100, 20, 0.5, now()) RETURNING 1");

        using var owner = host.CreateClient().From("127.0.0.1");
        var status = await owner.GetFromJsonAsync<JsonElement>(new Uri("/api/status", UriKind.Relative));
        var web = status.GetProperty("channels").EnumerateArray().Single(c => c.GetProperty("channel").GetString() == "web");
        Assert.True(web.GetProperty("enabledHere").GetBoolean());
        Assert.Equal("Failed", web.GetProperty("lastUndeliveredStatus").GetString());
        Assert.Equal("gave up after 5 tries: HTTP 503", web.GetProperty("lastUndeliveredError").GetString());
        Assert.True(status.GetProperty("modelTokensToday").GetInt64() >= 120);
        Assert.True(status.GetProperty("pendingMessages").GetInt64() >= 0);

        using var stranger = host.CreateClient().From("192.0.2.7");
        using var refused = await stranger.GetAsync(new Uri("/api/status", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }
}
