using System.Diagnostics;
using System.Text.Json;
using Bot.Tests.Integration.LlmWire;
using Bot.Tests.Support;
using Xunit.Abstractions;

namespace Bot.Tests.EndToEnd;

/// <summary>
/// SIGTERM to a host process with turns in flight (a model that starts its answers and then says nothing): the host
/// hands the turns back within its shutdown timeout and releases their leases, so a replica started afterwards
/// answers them at once, long before the leases would have run out, and each message is answered once.
/// </summary>
public class GracefulShutdownTests(ITestOutputHelper output)
{
    private const int ShutdownTimeoutSeconds = 10;

    // Long on purpose: a host that stopped without releasing would leave its threads to wait this out, far longer than
    // the wait for the answers below allows.
    private const int LeaseSeconds = 300;

    [Fact]
    public async Task On_SIGTERM_in_flight_turns_are_handed_back_within_the_shutdown_timeout_and_another_replica_answers_each_once()
    {
        string[] questions = ["What is a bond ladder?", "Should I rebalance yearly?", "What is dollar-cost averaging?"];
        await using var db = await TestDatabase.CreateAsync();
        await using var llm = await ScriptedLlmServer.StartAsync();
        var stopped = 0;
        // While the first host runs, every answer starts and then stalls: its turn stays in flight.
        llm.Script("stalled", r => Volatile.Read(ref stopped) == 0 && r.IsMessages() && r.IsStreaming, Stalled(), times: null);
        foreach (var question in questions)
        {
            llm.Script("answer: " + question, r => r.IsMessages() && r.IsStreaming && r.LastUserText() == question,
                AnthropicWire.TextStream(TimeSpan.Zero, "Answer to: ", question), times: null);
        }
        llm.Script("other", r => r.IsMessages() && !r.IsStreaming, AnthropicWire.TextMessage("Investing"), times: null);
        var settings = new Dictionary<string, string>
        {
            ["Llm:Provider"] = "anthropic",
            ["Llm:ApiKey"] = "test-key-not-real",
            ["Llm:Model"] = "claude-test",
            ["Llm:BaseUrl"] = llm.BaseUrl.ToString().TrimEnd('/'),
            ["Pipeline:LeaseSeconds"] = LeaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Pipeline:PollSeconds"] = "0.2",
            ["Http:ShutdownTimeoutSeconds"] = ShutdownTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        var clients = new List<(DirectLineTestClient Client, string Question, string InboxId)>();
        DateTime leasesRunOutAt;
        await using (var first = await BotHostProcess.StartAsync(db.ConnectionString, settings))
        {
            using var http = new HttpClient { BaseAddress = first.BaseUrl };
            foreach (var question in questions)
            {
                var client = await DirectLineTestClient.StartAsync(http);
                clients.Add((client, question, await client.SendAsync(question)));
            }
            await llm.WaitForAsync(r => r.Count(x => x.AnsweredBy == "stalled") == questions.Length, "every turn to be waiting on the model");
            Assert.Equal(questions.Length, await db.CountAsync("SELECT count(*) FROM threads WHERE lease_owner IS NOT NULL AND lease_until > now()"));
            leasesRunOutAt = await db.ScalarAsync<DateTime>("SELECT min(lease_until) FROM threads WHERE lease_owner IS NOT NULL");

            var stopping = Stopwatch.StartNew();
            var exitCode = await first.StopAsync();
            stopping.Stop();
            output.WriteLine($"SIGTERM to exit: {stopping.Elapsed.TotalSeconds:0.00} s (shutdown timeout {ShutdownTimeoutSeconds} s)");
            Assert.Equal(0, exitCode);
            Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(ShutdownTimeoutSeconds), $"the host took {stopping.Elapsed} to stop:\n{first.Output}");
            Assert.DoesNotContain("Could not release the lease", first.Output, StringComparison.Ordinal);
        }

        // Handed back: no lease held, every message still pending, nothing said to anyone yet.
        Assert.Equal(0, await db.CountAsync("SELECT count(*) FROM threads WHERE lease_owner IS NOT NULL OR lease_until IS NOT NULL"));
        Assert.Equal(0, await db.CountAsync("SELECT count(*) FROM outbox WHERE status = 'Pending' AND lease_until > now()"));
        Assert.Equal(questions.Length, await db.CountAsync("SELECT count(*) FROM inbox WHERE status = 'Pending'"));

        Interlocked.Exchange(ref stopped, 1);
        await using var second = await BotHostProcess.StartAsync(db.ConnectionString, settings);
        using var http2 = new HttpClient { BaseAddress = second.BaseUrl };
        await Eventually.GetAsync(
            () => db.CountAsync("SELECT (SELECT count(*) FROM inbox WHERE status = 'Pending') + (SELECT count(*) FROM outbox WHERE status = 'Pending')"),
            n => n == 0, "the other replica to answer", TimeSpan.FromSeconds(120));
        // At once: before the first host's leases would have run out.
        Assert.True(await db.ScalarAsync<bool>("SELECT now() < $1", leasesRunOutAt), "answered only after the leases ran out");

        foreach (var (client, question, inboxId) in clients)
        {
            var resumed = DirectLineTestClient.Resume(http2, client.ConversationId, client.Token);
            var replies = (await resumed.BotRepliesAsync()).Where(a => a.GetProperty("type").GetString() == "message").ToList();
            var reply = Assert.Single(replies);
            Assert.Equal("Answer to: " + question, reply.GetProperty("text").GetString());
            Assert.Equal(Guid.Parse(inboxId), Guid.Parse(reply.GetProperty("replyToId").GetString()!));
            Assert.Single(llm.AnsweredBy("answer: " + question));
        }
        Assert.Equal(questions.Length, await db.CountAsync("SELECT count(*) FROM inbox WHERE status = 'Done'"));
    }

    /// <summary>An answer that starts (the message and its text block open) and then sends nothing for minutes.</summary>
    private static SseReply Stalled() => new(
    [
        new SseFrame("message_start", JsonSerializer.Serialize(new
        {
            type = "message_start",
            message = new
            {
                id = "msg_" + Guid.NewGuid().ToString("N"), type = "message", role = "assistant", model = "claude-test", content = Array.Empty<object>(),
                stop_reason = (string?)null, stop_sequence = (string?)null, usage = new { input_tokens = 900, output_tokens = 1 },
            },
        })),
        new SseFrame("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"""),
        new SseFrame("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"never"}}""", TimeSpan.FromMinutes(5)),
    ]);

    [Fact]
    public async Task On_SIGTERM_with_the_database_gone_the_host_still_exits_within_its_bound()
    {
        // The host reaches PostgreSQL through a loopback balancer the test then stops: every connection cut, every new
        // one refused. A service whose stop waits on the database must not keep the process alive past the bound.
        await using var db = await TestDatabase.CreateAsync();
        var direct = new Npgsql.NpgsqlConnectionStringBuilder(db.ConnectionString);
        await using var balancer = LoopbackBalancer.Start([direct.Port]);
        const int Timeout = 3;
        {
            var through = new Npgsql.NpgsqlConnectionStringBuilder(db.ConnectionString) { Port = balancer.Port };
            await using var host = await BotHostProcess.StartAsync(through.ConnectionString, new Dictionary<string, string>
            {
                ["Http:ShutdownTimeoutSeconds"] = Timeout.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
            await balancer.DisposeAsync();
            await Task.Delay(TimeSpan.FromSeconds(2)); // the workers meet the refused connections

            var stopping = Stopwatch.StartNew();
            await host.StopAsync();
            output.WriteLine($"SIGTERM to exit with the database gone: {stopping.Elapsed.TotalSeconds:0.00} s (shutdown timeout {Timeout} s, bound {Timeout + 5} s)");
            Assert.True(host.HasExited);
            Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(Timeout + 5 + 10), $"the host took {stopping.Elapsed} to stop:\n{host.Output}");
        }
    }
}
