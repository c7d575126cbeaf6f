using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bot.Tests.EndToEnd.Scheduling;
using Bot.Tests.EndToEnd.Slack;
using Bot.Tests.Support;
using Xunit.Abstractions;

namespace Bot.Tests.EndToEnd;

/// <summary>
/// Three host processes on one PostgreSQL behind a round-robin loopback balancer, driven over Direct Line, Slack HTTP
/// (signed events) and Telegram webhook updates at once, one replica SIGKILLed mid-load and started again. Senders
/// retry what was not acknowledged, as the platforms and Web Chat do (the same client activity id, Slack's retry of the
/// same event, Telegram's redelivery of the same update). What the people see is counted at the peers: every message
/// answered exactly once; every trade plan, approved by double clicks on two replicas at once, executed once; every
/// firing of a one-second schedule delivered once.
/// </summary>
public class ReplicaTests(ITestOutputHelper output)
{
    private const string TelegramToken = "123456:TEST-token_for-replicas";
    private const string WebhookSecret = "replica-webhook-secret_1";
    private const int Replicas = 3;
    private const int Victim = 1;
    private const int WebConversations = 8;
    private const int WebMessagesEach = 12;
    private const int SlackUsers = 4;
    private const int SlackMessagesEach = 25;
    private const int TelegramChats = 12;
    private const int TelegramMessagesEach = 8;
    private const string Ask = "/timezone";
    private const string Answer = "I don't know your time zone yet";
    private const string Buy = "/buy 1 AAPL limit 190";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private int acknowledged;
    private int retries;

    [Fact]
    public async Task Three_replicas_behind_a_balancer_answer_every_message_once_and_run_every_approval_and_firing_once_across_a_SIGKILL_and_restart()
    {
        var clock = Stopwatch.StartNew();
        await using var db = await TestDatabase.CreateAsync();
        await using var telegram = await TelegramTestServer.StartAsync();
        await using var slack = FakeSlackApi.Start();
        var ports = new List<int>();
        while (ports.Count < Replicas)
        {
            var port = Ports.GetFree();
            if (!ports.Contains(port))
            {
                ports.Add(port);
            }
        }
        await using var balancer = LoopbackBalancer.Start(ports);
        var settings = ScheduleHosts.Settings(
            ("Pipeline:LeaseSeconds", "3"),
            ("PaperBroker:IntradayMoves", "false"),
            ("Slack:BotToken", slack.Token),
            ("Slack:SigningSecret", SlackEndToEndTests.Secret),
            ("Slack:ApiBaseUrl", slack.ApiBaseUrl),
            ("Telegram:BotToken", TelegramToken),
            ("Telegram:ApiBaseUrl", telegram.ApiBaseUrl),
            ("Telegram:Mode", "webhook"),
            ("Telegram:WebhookSecret", WebhookSecret),
            ("Telegram:WebhookUrl", new Uri(balancer.BaseUrl, "/telegram/webhook").ToString()));
        var hosts = new BotHostProcess?[Replicas];
        try
        {
            var starting = ports.Select(port => BotHostProcess.StartAsync(db.ConnectionString, settings, port)).ToList();
            for (var i = 0; i < Replicas; i++)
            {
                hosts[i] = await starting[i];
            }
            output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: three replicas ready");
            using var http = Balanced(balancer.BaseUrl);

            // A schedule firing every second, in a web conversation of its own, for the whole run.
            var scheduleClient = await DirectLineTestClient.StartAsync(http);
            var created = await ScheduleHosts.AskAsync(scheduleClient, "/schedule every 1s Tick: " + Ask);
            Assert.StartsWith("Scheduled **Tick**", created, StringComparison.Ordinal);
            var scheduleId = await ScheduleHosts.ScheduleIdAsync(db, created);

            // The senders: web conversations, Slack DMs (each message a thread of its own), Telegram chats.
            var web = (await Task.WhenAll(Enumerable.Range(0, WebConversations).Select(_ => DirectLineTestClient.StartAsync(http))))
                .Select(client => new WebSender(client)).ToList();
            var total = WebConversations * WebMessagesEach + SlackUsers * SlackMessagesEach + TelegramChats * TelegramMessagesEach;
            var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var restarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            // A third of each sender's messages go before the kill, the next third while the replica is down, the rest after it is back.
            async Task GateAsync(int k, int count)
            {
                if (k >= count * 2 / 3)
                {
                    await restarted.Task;
                }
                else if (k >= count / 3)
                {
                    await killed.Task;
                }
                await Task.Delay(30);
            }

            var slackSent = new List<(string Ts, string EventId)>();
            var telegramSent = new Dictionary<long, List<long>>();
            var load = new List<Task>();
            load.AddRange(web.Select(sender => Task.Run(async () =>
            {
                for (var k = 0; k < WebMessagesEach; k++)
                {
                    await GateAsync(k, WebMessagesEach);
                    var clientId = $"load-{k}-{Guid.NewGuid():N}";
                    var inboxId = await UntilAcceptedAsync(async _ => (true, await sender.Client.SendAsync(Ask, clientId)), "a web message");
                    lock (sender)
                    {
                        sender.Sent.Add((clientId, Guid.Parse(inboxId)));
                    }
                }
            })));
            for (var u = 0; u < SlackUsers; u++)
            {
                var user = $"U0REP{u}";
                var dm = $"D0REP{u}";
                var n = u;
                load.Add(Task.Run(async () =>
                {
                    for (var k = 0; k < SlackMessagesEach; k++)
                    {
                        await GateAsync(k, SlackMessagesEach);
                        var ts = string.Create(CultureInfo.InvariantCulture, $"18{n + 10:D2}{k:D6}.000100");
                        var eventId = $"Ev0REP{n}M{k}";
                        var body = SlackEndToEndTests.Event(eventId, ts, Ask, dm, user);
                        await UntilAcceptedAsync(async tries =>
                        {
                            using var response = await SlackEndToEndTests.PostSignedAsync(http, "/slack/events", body, "application/json", retryNum: tries > 0 ? tries : null);
                            return (response.StatusCode == HttpStatusCode.OK, 0);
                        }, "a Slack event");
                        lock (slackSent)
                        {
                            slackSent.Add((ts, "event:" + eventId));
                        }
                    }
                }));
            }
            for (var c = 0; c < TelegramChats; c++)
            {
                var chat = 7000L + c;
                telegramSent[chat] = [];
                load.Add(Task.Run(async () =>
                {
                    for (var k = 0; k < TelegramMessagesEach; k++)
                    {
                        await GateAsync(k, TelegramMessagesEach);
                        var updateId = 100_000 + (chat * 100) + k;
                        await UntilAcceptedAsync(async _ => (await PostUpdateAsync(http, MessageUpdate(updateId, chat, k + 1, Ask)), 0), "a Telegram update");
                        lock (telegramSent)
                        {
                            telegramSent[chat].Add(updateId);
                        }
                    }
                }));
            }

            // SIGKILL one replica while messages stream in, then start it again on its port behind the balancer.
            await Eventually.GetAsync(() => Task.FromResult(Volatile.Read(ref acknowledged)), n => n >= total / 5, "a fifth of the messages acknowledged", Patience);
            var atKill = Volatile.Read(ref acknowledged);
            await hosts[Victim]!.KillAsync();
            var killedAt = clock.Elapsed;
            killed.SetResult();
            output.WriteLine($"{killedAt.TotalSeconds:0.0} s: replica {Victim} SIGKILLed after {atKill} of {total} messages were acknowledged");
            await hosts[Victim]!.DisposeAsync();
            hosts[Victim] = null;
            hosts[Victim] = await BotHostProcess.StartAsync(db.ConnectionString, settings, ports[Victim]);
            var atRestart = Volatile.Read(ref acknowledged);
            var restartedAt = await db.ScalarAsync<DateTime>("SELECT now()");
            restarted.SetResult();
            output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: replica {Victim} ready again ({atRestart - atKill} messages acknowledged while it was down)");
            await Task.WhenAll(load);
            output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: all {total} messages acknowledged ({Volatile.Read(ref retries)} retries); balancer connections per replica: {string.Join(", ", balancer.Connections)}");

            // Trade plans on every channel, each approved by two clicks at once on two different replicas.
            var direct = hosts.Select(h => Direct(h!.BaseUrl)).ToList();
            try
            {
                await Task.WhenAll(
                    ApproveOnWebAsync(http, direct, 0),
                    ApproveOnWebAsync(http, direct, 1),
                    ApproveOnSlackAsync(http, direct, db, slack, 0),
                    ApproveOnSlackAsync(http, direct, db, slack, 1),
                    ApproveOnTelegramAsync(http, direct, telegram, 0),
                    ApproveOnTelegramAsync(http, direct, telegram, 1));
            }
            finally
            {
                direct.ForEach(d => d.Dispose());
            }
            const int Plans = 6;

            // Stop the schedule, then let everything settle.
            await scheduleClient.SendAsync("/schedule pause " + scheduleId);
            await Eventually.GetAsync(async () => (await scheduleClient.BotRepliesAsync()).Count(r => r.TryGetProperty("text", out var t) && t.GetString()!.StartsWith("Paused **Tick**", StringComparison.Ordinal)),
                n => n == 1, "the pause confirmation", Patience);
            await Eventually.GetAsync(
                () => db.CountAsync(
                    """
                    SELECT (SELECT count(*) FROM schedule_runs WHERE status = 'Queued') + (SELECT count(*) FROM qrtz_fired_triggers WHERE trigger_name = $1::text)
                         + (SELECT count(*) FROM inbox WHERE status = 'Pending') + (SELECT count(*) FROM outbox WHERE status = 'Pending')
                    """, scheduleId),
                n => n == 0, "everything to settle", Patience);
            output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: settled");

            // The database: each message recorded once, its turn done once, and exactly one reply queued for it and delivered.
            var eventIds = web.SelectMany(w => w.Sent.Select(s => w.Client.ConversationId + ":" + s.ClientId))
                .Concat(slackSent.Select(s => s.EventId))
                .Concat(telegramSent.Values.SelectMany(u => u).Select(u => "update:" + u.ToString(CultureInfo.InvariantCulture)))
                .ToArray();
            Assert.Equal(total, eventIds.Distinct().Count());
            Assert.Equal(total, await db.CountAsync("SELECT count(*) FROM inbox WHERE event_id = ANY($1)", (object)eventIds));
            Assert.Equal(total, await db.CountAsync("SELECT count(*) FROM inbox WHERE event_id = ANY($1) AND status = 'Done' AND attempts >= 1", (object)eventIds));
            Assert.Equal(0, await db.CountAsync(
                """
                SELECT count(*) FROM inbox i
                 WHERE i.event_id = ANY($1)
                   AND (SELECT count(*) FROM outbox o WHERE o.payload->>'inReplyTo' = i.id::text) <> 1
                    OR i.event_id = ANY($1)
                   AND (SELECT count(*) FROM outbox o WHERE o.payload->>'inReplyTo' = i.id::text AND o.status = 'Sent' AND o.platform_message_id IS NOT NULL) <> 1
                """, (object)eventIds));
            // Replies whose send was claimed more than once: by the replica that was killed, then by another after its lease ran out.
            var reclaimed = (await db.ScalarAsync<string>(
                "SELECT coalesce(string_agg(i.event_id, ' '), '') FROM inbox i JOIN outbox o ON o.payload->>'inReplyTo' = i.id::text WHERE i.event_id = ANY($1) AND o.attempts > 1",
                (object)eventIds))!.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();

            // The people's view. Web (a delivery is a row in the database, idempotent by outbox id): one reply to each message, naming it.
            var webSent = 0;
            foreach (var sender in web)
            {
                var replies = (await sender.Client.BotRepliesAsync()).Where(a => a.GetProperty("type").GetString() == "message").ToList();
                var byMessage = replies.GroupBy(r => Guid.Parse(r.GetProperty("replyToId").GetString()!)).ToDictionary(g => g.Key, g => g.ToList());
                Assert.Equal(WebMessagesEach, sender.Sent.Select(s => s.InboxId).Distinct().Count());
                Assert.Equal(sender.Sent.Select(s => s.InboxId).Order(), byMessage.Keys.Order());
                Assert.All(byMessage.Values, r => Assert.StartsWith(Answer, Assert.Single(r).GetProperty("text").GetString(), StringComparison.Ordinal));
                webSent += sender.Sent.Count;
            }
            // Slack: an in-thread reply to each message. chat.postMessage takes no idempotency key, so a reply the killed
            // replica had posted but not yet recorded as sent is posted again by the sender that claims it after the lease:
            // a second copy is allowed for those replies alone. (Today a row is recorded as sent only when every row of its
            // claimed batch has been sent, in OutboxProcessor.FinishAsync, so that window is a whole batch wide.)
            var posted = slack.Calls("chat.postMessage").Select(c => c.Body).ToList();
            var slackTwice = 0;
            foreach (var (ts, eventId) in slackSent)
            {
                var replies = posted.Where(b => (string?)b["thread_ts"] == ts).ToList();
                Assert.True(replies.Count == 1 || (replies.Count == 2 && reclaimed.Contains(eventId)),
                    $"{replies.Count} replies to Slack message {ts} (its reply claimed again after the kill: {reclaimed.Contains(eventId)})");
                Assert.All(replies, r => Assert.StartsWith(Answer, (string?)r["text"], StringComparison.Ordinal));
                slackTwice += replies.Count - 1;
            }
            // Telegram (sendMessage has no idempotency key either): as many answers in each chat as messages sent to it, and
            // at most one more for each of its replies claimed again after the kill.
            var telegramAnswered = 0;
            foreach (var (chat, updates) in telegramSent)
            {
                var messages = await telegram.BotMessagesAsync(TelegramToken, chat);
                var again = updates.Count(u => reclaimed.Contains("update:" + u.ToString(CultureInfo.InvariantCulture)));
                Assert.InRange(messages.Count, updates.Count, updates.Count + again);
                Assert.All(messages, m => Assert.StartsWith(Answer, m.Message.GetProperty("text").GetString(), StringComparison.Ordinal));
                telegramAnswered += messages.Count;
            }
            var telegramTwice = telegramAnswered - telegramSent.Values.Sum(u => u.Count);
            output.WriteLine($"replies claimed again after the kill: {reclaimed.Count} (web {reclaimed.Count(e => !e.StartsWith("event:", StringComparison.Ordinal) && !e.StartsWith("update:", StringComparison.Ordinal))}, "
                + $"Slack {reclaimed.Count(e => e.StartsWith("event:", StringComparison.Ordinal))}, Telegram {reclaimed.Count(e => e.StartsWith("update:", StringComparison.Ordinal))}); "
                + $"posted twice: Slack {slackTwice}, Telegram {telegramTwice}, web 0");

            // Every plan executed once: one order each, one approval each, however many clicks on however many replicas.
            Assert.Equal(Plans, await db.CountAsync("SELECT count(*) FROM trade_plans"));
            Assert.Equal(Plans, await db.CountAsync("SELECT count(*) FROM trade_plans WHERE status IN ('Filled', 'Submitted')"));
            Assert.Equal(Plans, await db.CountAsync("SELECT count(*) FROM paper_orders"));
            Assert.Equal(Plans, await db.CountAsync("SELECT count(DISTINCT client_order_id) FROM paper_orders"));
            Assert.Equal(Plans, await db.CountAsync("SELECT count(*) FROM audit_log WHERE action = 'plan.approved'"));

            // Every firing of the schedule ran once: one run, one inbox row, one message and one Direct Line activity per fire time.
            var runs = await db.CountAsync("SELECT count(*) FROM schedule_runs WHERE schedule_id = $1", scheduleId);
            Assert.True(runs >= 10, $"{runs} runs");
            Assert.Equal(runs, await db.CountAsync("SELECT count(*) FROM schedule_runs WHERE schedule_id = $1 AND status = 'Delivered'", scheduleId));
            Assert.Equal(runs, await db.CountAsync("SELECT count(DISTINCT fire_time) FROM schedule_runs WHERE schedule_id = $1", scheduleId));
            Assert.Equal(runs, await db.CountAsync("SELECT count(*) FROM inbox WHERE event_id LIKE $1", "schedule:" + scheduleId.ToString("N") + ":%"));
            Assert.Equal(0, await db.CountAsync(
                """
                SELECT count(*) FROM (
                    SELECT r.fire_time, count(DISTINCT o.id) AS messages, count(DISTINCT a.seq) AS activities
                    FROM schedule_runs r
                    LEFT JOIN outbox o ON o.thread_id = r.thread_id
                    LEFT JOIN directline_activities a ON a.outbox_id = o.id
                    WHERE r.schedule_id = $1
                    GROUP BY r.fire_time) per_fire
                WHERE messages <> 1 OR activities <> 1
                """, scheduleId));
            Assert.Equal(runs, (await scheduleClient.BotRepliesAsync()).Count(r => r.TryGetProperty("text", out var t) && t.GetString()!.StartsWith(Answer, StringComparison.Ordinal)));
            // Firing went on through the kill and after the restart (missed occurrences come to one catch-up run, by design).
            Assert.True(await db.CountAsync("SELECT count(*) FROM schedule_runs WHERE schedule_id = $1 AND created_at > $2", scheduleId, restartedAt) >= 3);
            var firedBy = await db.ScalarAsync<string>(
                "SELECT string_agg(n::text, ', ' ORDER BY n DESC) FROM (SELECT count(*) AS n FROM schedule_runs WHERE schedule_id = $1 GROUP BY fired_by) f", scheduleId);
            var span = await db.ScalarAsync<double>("SELECT extract(epoch FROM max(fire_time) - min(fire_time)) FROM schedule_runs WHERE schedule_id = $1", scheduleId);

            output.WriteLine($"messages: web {webSent}, Slack {slackSent.Count}, Telegram {telegramSent.Values.Sum(u => u.Count)}: every one recorded once, its turn run once, one reply delivered");
            output.WriteLine($"plans: {Plans} approved by {Plans * 2} concurrent clicks on two replicas each, {Plans} orders");
            output.WriteLine($"schedule: {runs} firings over {span:0} s ({span + 1 - runs:0} occurrences coalesced into catch-up runs), each delivered once; runs per Quartz instance {firedBy}");
            output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s in all");
        }
        catch
        {
            for (var i = 0; i < Replicas; i++)
            {
                output.WriteLine($"--- replica {i} ---\n{hosts[i]?.Output}");
            }
            throw;
        }
        finally
        {
            foreach (var host in hosts)
            {
                if (host is not null)
                {
                    await host.DisposeAsync();
                }
            }
        }
    }

    private sealed class WebSender(DirectLineTestClient client)
    {
        public DirectLineTestClient Client { get; } = client;

        public List<(string ClientId, Guid InboxId)> Sent { get; } = [];
    }

    /// <summary>A client whose every request opens a connection of its own, so the balancer spreads requests, not connections.</summary>
    private static HttpClient Balanced(Uri baseUrl)
    {
        var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.ConnectionClose = true;
        return http;
    }

    private static HttpClient Direct(Uri baseUrl) => new() { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Sends until the service acknowledges: a refused, cut or failed attempt is sent again, as the platforms do.</summary>
    private async Task<T> UntilAcceptedAsync<T>(Func<int, Task<(bool Accepted, T Value)>> attempt, string what)
    {
        for (var tries = 0; ; tries++)
        {
            try
            {
                var (accepted, value) = await attempt(tries);
                if (accepted)
                {
                    Interlocked.Increment(ref acknowledged);
                    return value;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException or TaskCanceledException)
            {
                // Cut off (the replica died under it) or refused: sent again.
            }
            if (tries >= 60)
            {
                throw new InvalidOperationException($"{what} was not acknowledged after {tries + 1} tries");
            }
            Interlocked.Increment(ref retries);
            await Task.Delay(250);
        }
    }

    private static object MessageUpdate(long updateId, long chat, long messageId, string text) => new
    {
        update_id = updateId,
        message = new
        {
            message_id = messageId, from = TelegramTestServer.User(chat), chat = TelegramTestServer.PrivateChat(chat),
            date = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), text,
        },
    };

    /// <summary>Posts an update to the webhook as Telegram does (its secret in the header); true when acknowledged.</summary>
    private static async Task<bool> PostUpdateAsync(HttpClient http, object update)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/telegram/webhook") { Content = JsonContent.Create(update) };
        request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", WebhookSecret);
        using var response = await http.SendAsync(request);
        return response.StatusCode == HttpStatusCode.OK;
    }

    /// <summary>Two clicks at once on two different replicas; both must be acknowledged.</summary>
    private static async Task ClickTwiceAsync(Func<HttpClient, int, Task<HttpResponseMessage>> click, IReadOnlyList<HttpClient> direct, int plan)
    {
        var responses = await Task.WhenAll(click(direct[plan % direct.Count], 0), click(direct[(plan + 1) % direct.Count], 1));
        foreach (var response in responses)
        {
            using (response)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }
    }

    private static async Task ApproveOnWebAsync(HttpClient http, IReadOnlyList<HttpClient> direct, int plan)
    {
        var client = await DirectLineTestClient.StartAsync(http);
        await client.SendAsync(Buy);
        var card = (await client.WaitForBotRepliesAsync(1))[0].GetProperty("attachments")[0].GetProperty("content");
        var approve = card.GetProperty("actions")[0];
        Assert.Equal("Approve", approve.GetProperty("title").GetString());
        var data = approve.GetProperty("data");
        await ClickTwiceAsync((replica, n) => DirectLineTestClient.Resume(replica, client.ConversationId, client.Token)
            .PostRawAsync(JsonSerializer.Serialize(new { type = "message", value = data, channelData = new { clientActivityID = $"approve-{n}" } })), direct, plan);
        // Both clicks are answered: one executes, the other is told it is done already.
        await client.WaitForBotRepliesAsync(3);
    }

    private static async Task ApproveOnSlackAsync(HttpClient http, IReadOnlyList<HttpClient> direct, TestDatabase db, FakeSlackApi slack, int plan)
    {
        var planTs = string.Create(CultureInfo.InvariantCulture, $"18000002{plan:D2}.000100");
        var eventId = $"Ev0PLAN{plan}";
        using (var response = await SlackEndToEndTests.PostSignedAsync(http, "/slack/events", SlackEndToEndTests.Event(eventId, planTs, Buy), "application/json"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var card = (await Eventually.GetAsync(
            () => Task.FromResult(slack.Calls("chat.postMessage").Select(c => c.Body).Where(b => (string?)b["thread_ts"] == planTs && b["blocks"] is JsonArray).ToList()),
            r => r.Count >= 1, "a Block Kit plan card", Patience))[0];
        var approve = card["blocks"]!.AsArray().Single(b => (string?)b!["type"] == "actions")!["elements"]!.AsArray().Single(a => (string?)a!["style"] == "primary")!;
        var cardId = await Eventually.GetAsync(
            () => db.ScalarAsync<string>(
                "SELECT o.platform_message_id FROM outbox o JOIN inbox i ON i.thread_id = o.thread_id WHERE i.event_id = $1 AND o.status = 'Sent' AND o.payload->'card' IS NOT NULL",
                "event:" + eventId),
            id => id is not null, "the card's platform id", Patience);
        var cardTs = cardId!.Split(':')[1];
        await ClickTwiceAsync((replica, n) => SlackEndToEndTests.PostSignedAsync(replica, "/slack/interactivity",
            SlackEndToEndTests.Interaction((string)approve["value"]!, (string)approve["action_id"]!, cardTs, planTs, string.Create(CultureInfo.InvariantCulture, $"18000003{plan:D2}.00000{n}")),
            "application/x-www-form-urlencoded"), direct, plan + 2);
    }

    private static async Task ApproveOnTelegramAsync(HttpClient http, IReadOnlyList<HttpClient> direct, TelegramTestServer telegram, int plan)
    {
        var chat = 8000L + plan;
        Assert.True(await PostUpdateAsync(http, MessageUpdate(900_000 + (plan * 10), chat, 1, Buy)));
        var card = (await Eventually.GetAsync(() => telegram.BotMessagesAsync(TelegramToken, chat), m => m.Count >= 1, "the plan card", Patience))[0];
        var data = card.Message.GetProperty("reply_markup").GetProperty("inline_keyboard").EnumerateArray().SelectMany(r => r.EnumerateArray())
            .Single(b => b.GetProperty("text").GetString() == "Approve").GetProperty("callback_data").GetString()!;
        await ClickTwiceAsync((replica, n) =>
        {
            var update = new
            {
                update_id = 900_000 + (plan * 10) + 1 + n,
                callback_query = new
                {
                    id = $"cb-{plan}-{n}",
                    from = TelegramTestServer.User(chat),
                    chat_instance = "ci-" + chat.ToString(CultureInfo.InvariantCulture),
                    data,
                    message = new
                    {
                        message_id = card.MessageId, from = new { id = 123456, is_bot = true, first_name = "Bot", username = "bot" },
                        chat = TelegramTestServer.PrivateChat(chat), date = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), text = "plan",
                    },
                },
            };
            var request = new HttpRequestMessage(HttpMethod.Post, "/telegram/webhook") { Content = JsonContent.Create(update) };
            request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", WebhookSecret);
            return replica.SendAsync(request);
        }, direct, plan + 4);
    }
}
