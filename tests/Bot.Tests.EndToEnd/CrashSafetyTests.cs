using Bot.Tests.Support;

namespace Bot.Tests.EndToEnd;

/// <summary>
/// The real host process, killed with SIGKILL at the points that matter, then started again on the same database:
/// every acknowledged message is answered exactly once.
/// </summary>
public class CrashSafetyTests
{
    // A short lease so a dead process's claim expires quickly in the test; production uses 30 s.
    private static readonly Dictionary<string, string> Normal = new() { ["Pipeline:LeaseSeconds"] = "2", ["Pipeline:PollSeconds"] = "0.2" };

    private static Dictionary<string, string> With(params (string Key, string Value)[] overrides)
    {
        var settings = new Dictionary<string, string>(Normal);
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }
        return settings;
    }

    private static async Task<int> SettledReplyCountAsync(TestDatabase db, DirectLineTestClient client)
    {
        // Wait until nothing for this conversation is left in flight, then count what was delivered.
        await Eventually.GetAsync(
            () => db.CountAsync(
                """
                SELECT (SELECT count(*) FROM inbox i JOIN conversations c ON c.id = i.conversation_id WHERE c.address = $1 AND i.status = 'Pending')
                     + (SELECT count(*) FROM outbox o JOIN conversations c ON c.id = o.conversation_id WHERE c.address = $1 AND o.status = 'Pending')
                """, client.ConversationId),
            n => n == 0, "the pipeline to settle", TimeSpan.FromSeconds(60));
        return (await client.BotRepliesAsync()).Count;
    }

    [Fact]
    public async Task Killed_after_the_message_was_recorded_and_before_the_turn_the_restarted_host_answers_once()
    {
        await using var db = await TestDatabase.CreateAsync();
        DirectLineTestClient client;
        await using (var host = await BotHostProcess.StartAsync(db.ConnectionString, With(("Pipeline:TurnWorkers", "0"))))
        {
            using var http = new HttpClient { BaseAddress = host.BaseUrl };
            client = await DirectLineTestClient.StartAsync(http);
            await client.SendAsync("/help");
            Assert.Equal(1, await db.CountAsync("SELECT count(*) FROM inbox WHERE status = 'Pending'"));
            await host.KillAsync();
        }

        await using var restarted = await BotHostProcess.StartAsync(db.ConnectionString, Normal);
        using var http2 = new HttpClient { BaseAddress = restarted.BaseUrl };
        var resumed = DirectLineTestClient.Resume(http2, client.ConversationId, client.Token);
        Assert.Equal(1, await SettledReplyCountAsync(db, resumed));
        Assert.Contains("What I can do", (await resumed.BotRepliesAsync())[0].GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Killed_after_the_turn_and_before_delivery_the_restarted_host_delivers_once()
    {
        await using var db = await TestDatabase.CreateAsync();
        DirectLineTestClient client;
        await using (var host = await BotHostProcess.StartAsync(db.ConnectionString, With(("Pipeline:OutboxSenders", "0"))))
        {
            using var http = new HttpClient { BaseAddress = host.BaseUrl };
            client = await DirectLineTestClient.StartAsync(http);
            await client.SendAsync("/help");
            await Eventually.GetAsync(() => db.CountAsync("SELECT count(*) FROM outbox WHERE status = 'Pending'"), n => n == 1, "the reply to be queued");
            Assert.Empty(await client.BotRepliesAsync());
            await host.KillAsync();
        }

        await using var restarted = await BotHostProcess.StartAsync(db.ConnectionString, Normal);
        using var http2 = new HttpClient { BaseAddress = restarted.BaseUrl };
        var resumed = DirectLineTestClient.Resume(http2, client.ConversationId, client.Token);
        Assert.Equal(1, await SettledReplyCountAsync(db, resumed));
        Assert.Equal(1, await db.CountAsync("SELECT count(*) FROM inbox WHERE status = 'Done'"));
    }

    [Fact]
    public async Task Killed_mid_turn_the_claim_expires_and_the_restarted_host_answers_once()
    {
        await using var db = await TestDatabase.CreateAsync();
        DirectLineTestClient client;
        await using (var host = await BotHostProcess.StartAsync(db.ConnectionString, With(("Pipeline:TurnWorkers", "0"))))
        {
            using var http = new HttpClient { BaseAddress = host.BaseUrl };
            client = await DirectLineTestClient.StartAsync(http);
            await client.SendAsync("/help");
            // The state a worker leaves when it dies mid-turn: the thread claimed and the attempt counted, nothing committed.
            await db.ScalarAsync<int>("UPDATE threads SET lease_owner = 'dead-worker', lease_until = now() + interval '3 seconds'");
            await db.ScalarAsync<int>("UPDATE inbox SET attempts = 1");
            await host.KillAsync();
        }

        await using var restarted = await BotHostProcess.StartAsync(db.ConnectionString, Normal);
        using var http2 = new HttpClient { BaseAddress = restarted.BaseUrl };
        var resumed = DirectLineTestClient.Resume(http2, client.ConversationId, client.Token);
        Assert.Equal(1, await SettledReplyCountAsync(db, resumed));
        Assert.Equal(2, await db.ScalarAsync<int>("SELECT attempts FROM inbox"));
    }

    [Fact]
    public async Task Killed_while_messages_stream_in_no_acknowledged_message_is_lost_or_answered_twice()
    {
        await using var db = await TestDatabase.CreateAsync();
        var acknowledged = new List<(DirectLineTestClient Client, string Text)>();
        await using (var host = await BotHostProcess.StartAsync(db.ConnectionString, Normal))
        {
            using var http = new HttpClient { BaseAddress = host.BaseUrl };
            var clients = new List<DirectLineTestClient>();
            for (var i = 0; i < 4; i++)
            {
                clients.Add(await DirectLineTestClient.StartAsync(http));
            }
            using var stop = new CancellationTokenSource();
            var senders = clients.Select(async client =>
            {
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    try
                    {
                        await client.SendAsync(n % 2 == 0 ? "/help" : "/threads");
                        lock (acknowledged)
                        {
                            acknowledged.Add((client, n.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                        }
                    }
                    catch (HttpRequestException)
                    {
                        return; // the host died under us: this message was never acknowledged
                    }
                }
            }).ToList();
            await Eventually.GetAsync(() => Task.FromResult(acknowledged.Count), n => n >= 40, "some traffic");
            await host.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(senders);
        }

        await using var restarted = await BotHostProcess.StartAsync(db.ConnectionString, Normal);
        using var http2 = new HttpClient { BaseAddress = restarted.BaseUrl };
        foreach (var group in acknowledged.GroupBy(a => a.Client))
        {
            var resumed = DirectLineTestClient.Resume(http2, group.Key.ConversationId, group.Key.Token);
            var replies = await SettledReplyCountAsync(db, resumed);
            var recorded = await db.CountAsync("SELECT count(*) FROM inbox i JOIN conversations c ON c.id = i.conversation_id WHERE c.address = $1", group.Key.ConversationId);
            // Every acknowledged message was recorded (a post cut off by the kill may have been recorded too), and each recorded one has exactly one reply.
            Assert.True(recorded >= group.Count(), $"{group.Count()} acknowledged but only {recorded} recorded");
            Assert.Equal(recorded, replies);
        }
    }

    [Fact]
    public async Task A_graceful_stop_exits_cleanly()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var host = await BotHostProcess.StartAsync(db.ConnectionString, Normal);
        Assert.Equal(0, await host.StopAsync());
        Assert.Contains("Application is shutting down", host.Output, StringComparison.Ordinal);
    }
}
