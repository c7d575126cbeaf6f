using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bot.Tests.Support;

namespace Bot.Tests.EndToEnd.Slack;

/// <summary>The real host process with Slack on, against a fake Slack Web API, fed events signed as Slack signs them.</summary>
public class SlackEndToEndTests
{
    internal const string Secret = "e2e-signing-secret-0123456789abcdef";
    private const string Team = "T0FAKE";
    internal const string Dm = "D0DMANN001";
    internal const string User = "U0ANN";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Slack_dm_plan_approval_retries_and_forgeries()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var slack = FakeSlackApi.Start();
        await using var host = await BotHostProcess.StartAsync(db.ConnectionString, new Dictionary<string, string>
        {
            ["Pipeline:PollSeconds"] = "0.2",
            ["Slack:BotToken"] = slack.Token,
            ["Slack:SigningSecret"] = Secret,
            ["Slack:ApiBaseUrl"] = slack.ApiBaseUrl,
        });
        using var http = new HttpClient { BaseAddress = host.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };

        // URL verification echoes the challenge.
        var challenge = await PostSignedAsync(http, "/slack/events", """{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}""", "application/json");
        Assert.Equal(HttpStatusCode.OK, challenge.StatusCode);
        Assert.Contains("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", await challenge.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A DM gets an in-thread reply, even though Slack rate-limits the first attempt.
        slack.RateLimitNext(1);
        var hello = Event("Ev0HELLO", "1800000100.000100", "hello");
        Assert.Equal(HttpStatusCode.OK, (await PostSignedAsync(http, "/slack/events", hello, "application/json")).StatusCode);
        var reply = await Eventually.GetAsync(
            () => Task.FromResult(Replies(slack, "1800000100.000100")), r => r.Count >= 1, "an in-thread reply to the DM", Wait);
        Assert.Equal(Dm, (string?)reply[0]["channel"]);
        Assert.Single(slack.Calls("chat.postMessage#ratelimited"));

        // Slack retries the same event: acknowledged, recorded once.
        var retry = await PostSignedAsync(http, "/slack/events", hello, "application/json", retryNum: 1);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(1, await db.CountAsync("SELECT count(*) FROM inbox WHERE channel = 'slack' AND event_id = 'event:Ev0HELLO'"));

        // Forged and stale requests: 401, nothing stored.
        var inboxBefore = await db.CountAsync("SELECT count(*) FROM inbox");
        var forged = Event("Ev0FORGED", "1800000150.000100", "/buy 1 AAPL limit 1");
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostSignedAsync(http, "/slack/events", forged, "application/json", secret: "not-the-secret")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostSignedAsync(http, "/slack/events", forged, "application/json", at: DateTimeOffset.UtcNow.AddMinutes(-6))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostSignedAsync(http, "/slack/events", forged, "application/json", at: DateTimeOffset.UtcNow.AddMinutes(6))).StatusCode);
        using (var unsigned = new StringContent(forged, Encoding.UTF8, "application/json"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync("/slack/events", unsigned)).StatusCode);
        }
        Assert.Equal(inboxBefore, await db.CountAsync("SELECT count(*) FROM inbox"));

        // A plan: Block Kit with Approve (confirm dialog) and Decline.
        const string planThread = "1800000200.000100";
        Assert.Equal(HttpStatusCode.OK, (await PostSignedAsync(http, "/slack/events", Event("Ev0BUY", planThread, "/buy 5 AAPL limit 190"), "application/json")).StatusCode);
        var card = (await Eventually.GetAsync(
            () => Task.FromResult(Replies(slack, planThread).Where(r => r["blocks"] is JsonArray).ToList()), r => r.Count >= 1, "a Block Kit plan card", Wait))[0];
        var actions = card["blocks"]!.AsArray().Single(b => (string?)b!["type"] == "actions")!["elements"]!.AsArray();
        var approve = actions.Single(a => (string?)a!["style"] == "primary")!;
        Assert.NotNull(approve["confirm"]);
        Assert.Equal("danger", (string?)actions.Single(a => a != approve)!["style"]);
        var cardTs = await Eventually.GetAsync(
            () => db.ScalarAsync<string>("SELECT platform_message_id FROM outbox WHERE status = 'Sent' AND payload->'card' IS NOT NULL ORDER BY seq LIMIT 1"),
            id => id is not null, "the card's platform id", Wait);
        var ts = cardTs!.Split(':')[1];

        // Someone else presses Approve first: refused to them alone (ephemeral), nothing executes.
        var bobPress = Interaction((string)approve["value"]!, (string)approve["action_id"]!, ts, planThread, "1800000250.000001", user: "U0BOB");
        Assert.Equal(HttpStatusCode.OK, (await PostSignedAsync(http, "/slack/interactivity", bobPress, "application/x-www-form-urlencoded")).StatusCode);
        var refusal = (await Eventually.GetAsync(
            () => Task.FromResult(slack.Calls("chat.postEphemeral").Select(c => c.Body).Where(b => (string?)b["user"] == "U0BOB").ToList()),
            r => r.Count >= 1, "an ephemeral refusal to the other user", Wait))[0];
        Assert.Equal(planThread, (string?)refusal["thread_ts"]);
        Assert.Equal(0, await db.CountAsync("SELECT count(*) FROM paper_orders"));
        Assert.DoesNotContain(slack.Calls("chat.postMessage"), c => (string?)c.Body["text"] == (string?)refusal["text"]);

        // Approve, clicked twice (a double click): executed once, and the card is updated in place without buttons.
        foreach (var actionTs in new[] { "1800000300.000001", "1800000300.000002" })
        {
            var press = Interaction((string)approve["value"]!, (string)approve["action_id"]!, ts, planThread, actionTs);
            Assert.Equal(HttpStatusCode.OK, (await PostSignedAsync(http, "/slack/interactivity", press, "application/x-www-form-urlencoded")).StatusCode);
        }
        var update = await Eventually.GetAsync(
            () => Task.FromResult(slack.Calls("chat.update").Select(c => c.Body).Where(b => (string?)b["ts"] == ts && (string?)b["channel"] == Dm).ToList()),
            u => u.Count >= 1 && u[^1]["blocks"]!.AsArray().All(b => (string?)b!["type"] != "actions"), "chat.update of the card without buttons", Wait);
        Assert.NotEmpty(update);
        await Eventually.GetAsync(() => db.CountAsync("SELECT count(*) FROM inbox WHERE channel = 'slack' AND event_id LIKE 'action:%' AND status = 'Done'"), n => n == 3, "all three presses handled", Wait);
        Assert.Equal(1, await db.CountAsync("SELECT count(*) FROM paper_orders"));

        // The slash command routes to the same commands.
        var command = $"token=x&team_id={Team}&channel_id={Dm}&user_id={User}&user_name=ann&command=%2Fmoney&text=balances&trigger_id=123.456.abc";
        Assert.Equal(HttpStatusCode.OK, (await PostSignedAsync(http, "/slack/commands", command, "application/x-www-form-urlencoded")).StatusCode);
        await Eventually.GetAsync(() => db.CountAsync("SELECT count(*) FROM inbox WHERE event_id = 'command:123.456.abc' AND status = 'Done'"), n => n == 1, "the slash command handled", Wait);

        // In a channel: a mention is answered in a thread; a later reply in that thread is answered without a mention;
        // the copy of the mention as a channel message and replies in threads the bot is not part of are ignored.
        const string channel = "C0CHANNEL1";
        const string root = "1800000400.000100";
        Assert.Equal(HttpStatusCode.OK, (await PostSignedAsync(http, "/slack/events", ChannelEvent("Ev0MENTION", "app_mention", root, null, "<@U0BOT> hello"), "application/json")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostSignedAsync(http, "/slack/events", ChannelEvent("Ev0MENTIONCOPY", "message", root, null, "<@U0BOT> hello"), "application/json")).StatusCode);
        await Eventually.GetAsync(() => Task.FromResult(Replies(slack, root)), r => r.Count >= 1, "an in-thread reply to the mention", Wait);
        Assert.Equal(HttpStatusCode.OK, (await PostSignedAsync(http, "/slack/events", ChannelEvent("Ev0STRANGER", "message", "1800000450.000100", "1800000001.000001", "not for the bot"), "application/json")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostSignedAsync(http, "/slack/events", ChannelEvent("Ev0INTHREAD", "message", "1800000500.000100", root, "/balances"), "application/json")).StatusCode);
        await Eventually.GetAsync(() => Task.FromResult(Replies(slack, root)), r => r.Count >= 2, "an in-thread reply to the thread message", Wait);
        Assert.Equal(0, await db.CountAsync("SELECT count(*) FROM inbox WHERE event_id IN ('event:Ev0MENTIONCOPY', 'event:Ev0STRANGER')"));
        Assert.All(Replies(slack, root), r => Assert.Equal(channel, (string?)r["channel"]));

        // The retried DM was answered exactly once.
        Assert.Single(Replies(slack, "1800000100.000100"));
    }

    [Fact]
    public async Task The_App_Home_tab_shows_threads_plans_schedules_and_a_sign_in_link_that_works()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var slack = FakeSlackApi.Start();
        var port = Ports.GetFree();
        await using var host = await BotHostProcess.StartAsync(db.ConnectionString, new Dictionary<string, string>
        {
            ["Pipeline:PollSeconds"] = "0.2",
            ["Slack:BotToken"] = slack.Token,
            ["Slack:SigningSecret"] = Secret,
            ["Slack:ApiBaseUrl"] = slack.ApiBaseUrl,
            ["Web:AccessKey"] = "app-home-access-key", // the browser is nobody until it signs in
            ["Web:PublicBaseUrl"] = $"http://127.0.0.1:{port}",
        }, port);
        using var http = new HttpClient { BaseAddress = host.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };

        // Someone the bot has not met opens the tab: a welcome, no link, nothing recorded.
        Assert.Equal(HttpStatusCode.OK, (await PostSignedAsync(http, "/slack/events", HomeOpened("Ev0HOME0", "U0NEW"), "application/json")).StatusCode);
        var welcome = await Eventually.GetAsync(() => Task.FromResult(slack.Calls("views.publish")), c => c.Count >= 1, "the welcome Home view", Wait);
        Assert.Equal("U0NEW", (string?)welcome[0].Body["user_id"]);
        Assert.DoesNotContain("/signin", welcome[0].Body.ToJsonString(), StringComparison.Ordinal);

        // Ann chats, proposes a plan and schedules a message; then she opens the tab.
        Assert.Equal(HttpStatusCode.OK, (await PostSignedAsync(http, "/slack/events", Event("Ev0HOMEBUY", "1800000700.000100", "/buy 3 AAPL limit 190"), "application/json")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostSignedAsync(http, "/slack/events", Event("Ev0HOMESCHED", "1800000800.000100", "/schedule daily 08:00 Europe/Berlin Morning: /portfolio"), "application/json")).StatusCode);
        await Eventually.GetAsync(() => db.CountAsync("SELECT count(*) FROM inbox WHERE channel = 'slack' AND status = 'Done'"), n => n == 2, "both turns done", Wait);
        // Two runs of the schedule, as its firings record them (a thread each, naming the schedule); the last one failed.
        await db.ScalarAsync<int>(
            """
            WITH runs AS (
                INSERT INTO threads (id, user_id, conversation_id, status, title, created_at, updated_at, schedule_id)
                SELECT gen_random_uuid(), s.user_id, s.conversation_id, 'Active', 'Morning · run ' || k, now() - (3 - k) * interval '1 minute', now() - (3 - k) * interval '1 minute', s.id
                  FROM schedules s, generate_series(1, 2) AS k WHERE s.title = 'Morning'
                RETURNING id, schedule_id, created_at, title)
            INSERT INTO schedule_runs (id, schedule_id, fire_time, status, thread_id, created_at, settled_at, error)
            SELECT gen_random_uuid(), schedule_id, created_at, CASE WHEN title LIKE '%2' THEN 'Failed' ELSE 'Delivered' END, id, created_at, now(), 'the broker was down'
              FROM runs
            """);
        var inboxBefore = await db.CountAsync("SELECT count(*) FROM inbox");
        Assert.Equal(HttpStatusCode.OK, (await PostSignedAsync(http, "/slack/events", HomeOpened("Ev0HOME1", User), "application/json")).StatusCode);
        var view = (await Eventually.GetAsync(() => Task.FromResult(slack.Calls("views.publish").Where(c => (string?)c.Body["user_id"] == User).ToList()), c => c.Count >= 1, "Ann's Home view", Wait))[0].Body["view"]!;
        Assert.Equal("home", (string?)view["type"]);
        var text = view.ToJsonString();
        Assert.Contains("Recent threads", text, StringComparison.Ordinal);
        Assert.Contains("Trade plans waiting for you", text, StringComparison.Ordinal);
        Assert.Contains("Buy 3 AAPL limit 190", text, StringComparison.Ordinal);
        Assert.Contains("Schedules", text, StringComparison.Ordinal);
        Assert.Contains("Morning", text, StringComparison.Ordinal);
        // The runs: one line under their schedule, with the count and the last outcome, not a thread each.
        Assert.Contains("*Scheduled runs*", text, StringComparison.Ordinal);
        Assert.Contains("Morning: 2 runs, last ", text, StringComparison.Ordinal);
        Assert.Contains("failed: the broker was down", text, StringComparison.Ordinal);
        Assert.DoesNotContain(" run 1", text, StringComparison.Ordinal);
        Assert.Equal(inboxBefore, await db.CountAsync("SELECT count(*) FROM inbox")); // opening the tab is not a message

        // Its button carries a one-time sign-in link for Ann: it opens the confirmation page.
        var button = view["blocks"]!.AsArray().Single(b => (string?)b!["type"] == "actions")!["elements"]![0]!;
        var link = new Uri((string)button["url"]!);
        Assert.Equal("/signin", link.AbsolutePath);
        using var page = await http.GetAsync(link.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Sign in", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static string HomeOpened(string eventId, string user) => new JsonObject
    {
        ["token"] = "x",
        ["team_id"] = Team,
        ["api_app_id"] = "A0APP",
        ["type"] = "event_callback",
        ["event_id"] = eventId,
        ["event_time"] = 1800000000,
        ["event"] = new JsonObject { ["type"] = "app_home_opened", ["user"] = user, ["channel"] = "D0HOME", ["tab"] = "home", ["event_ts"] = "1800000900.000100" },
    }.ToJsonString();

    private static List<JsonObject> Replies(FakeSlackApi slack, string threadTs) =>
        slack.Calls("chat.postMessage").Select(c => c.Body).Where(b => (string?)b["thread_ts"] == threadTs).ToList();

    internal static string Event(string eventId, string ts, string text, string dm = Dm, string user = User) => new JsonObject
    {
        ["token"] = "x",
        ["team_id"] = Team,
        ["api_app_id"] = "A0APP",
        ["type"] = "event_callback",
        ["event_id"] = eventId,
        ["event_time"] = 1800000000,
        ["event"] = new JsonObject
        {
            ["type"] = "message", ["channel"] = dm, ["user"] = user, ["text"] = text, ["ts"] = ts,
            ["event_ts"] = ts, ["channel_type"] = "im", ["team"] = Team,
        },
    }.ToJsonString();

    private static string ChannelEvent(string eventId, string type, string ts, string? threadTs, string text)
    {
        var ev = new JsonObject { ["type"] = type, ["channel"] = "C0CHANNEL1", ["user"] = User, ["text"] = text, ["ts"] = ts, ["event_ts"] = ts, ["team"] = Team };
        if (type == "message")
        {
            ev["channel_type"] = "channel";
        }
        if (threadTs is not null)
        {
            ev["thread_ts"] = threadTs;
        }
        return new JsonObject { ["team_id"] = Team, ["type"] = "event_callback", ["event_id"] = eventId, ["event_time"] = 1800000000, ["event"] = ev }.ToJsonString();
    }

    internal static string Interaction(string value, string actionId, string messageTs, string threadTs, string actionTs, string user = User)
    {
        var payload = new JsonObject
        {
            ["type"] = "block_actions",
            ["team"] = new JsonObject { ["id"] = Team, ["domain"] = "fake" },
            ["user"] = new JsonObject { ["id"] = user, ["username"] = user.ToLowerInvariant(), ["team_id"] = Team },
            ["api_app_id"] = "A0APP",
            ["trigger_id"] = "trigger-" + actionTs,
            ["channel"] = new JsonObject { ["id"] = Dm, ["name"] = "directmessage" },
            ["container"] = new JsonObject { ["type"] = "message", ["message_ts"] = messageTs, ["channel_id"] = Dm, ["is_ephemeral"] = false, ["thread_ts"] = threadTs },
            ["message"] = new JsonObject { ["type"] = "message", ["ts"] = messageTs, ["thread_ts"] = threadTs, ["text"] = "plan" },
            ["actions"] = new JsonArray(new JsonObject
            {
                ["type"] = "button", ["action_id"] = actionId, ["block_id"] = "plan", ["value"] = value, ["action_ts"] = actionTs,
            }),
        };
        return "payload=" + Uri.EscapeDataString(payload.ToJsonString());
    }

    /// <summary>Signs as Slack documents: v0 HMAC-SHA256 over <c>v0:{timestamp}:{body}</c> (written here independently of the bot's code).</summary>
    internal static async Task<HttpResponseMessage> PostSignedAsync(HttpClient http, string path, string body, string contentType, string secret = Secret, DateTimeOffset? at = null, int? retryNum = null)
    {
        var timestamp = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = "v0=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"v0:{timestamp}:{body}")));
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, contentType) };
        request.Content.Headers.ContentType!.CharSet = null;
        request.Headers.Add("X-Slack-Request-Timestamp", timestamp);
        request.Headers.Add("X-Slack-Signature", signature);
        if (retryNum is { } n)
        {
            request.Headers.Add("X-Slack-Retry-Num", n.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add("X-Slack-Retry-Reason", "http_timeout");
        }
        return await http.SendAsync(request);
    }
}
