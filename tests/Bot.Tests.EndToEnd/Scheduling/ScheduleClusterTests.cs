using System.Text.RegularExpressions;
using Bot.Tests.Support;
using Xunit.Abstractions;
using static Bot.Tests.EndToEnd.Scheduling.ScheduleHosts;

namespace Bot.Tests.EndToEnd.Scheduling;

/// <summary>
/// Two host processes on one database: Quartz clusters them, every firing is delivered exactly once, and when the
/// replica that fires dies the other one takes the schedule over.
/// </summary>
public partial class ScheduleClusterTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_replicas_deliver_each_firing_of_a_one_second_schedule_exactly_once_across_a_replica_dying()
    {
        await using var db = await TestDatabase.CreateAsync();
        var starting = new[] { BotHostProcess.StartAsync(db.ConnectionString, Settings()), BotHostProcess.StartAsync(db.ConnectionString, Settings()) };
        await using var first = await starting[0];
        await using var second = await starting[1];
        var hosts = new[] { first, second };

        using var http = new HttpClient { BaseAddress = first.BaseUrl };
        var client = await DirectLineTestClient.StartAsync(http);
        var created = await AskAsync(client, "/schedule every 1s Tick: /timezone");
        Assert.StartsWith("Scheduled **Tick**", created, StringComparison.Ordinal);
        var scheduleId = await ScheduleIdAsync(db, created);
        await Eventually.GetAsync(() => db.CountAsync("SELECT count(*) FROM qrtz_scheduler_state"), n => n == 2, "both replicas in the Quartz cluster", Patience);

        await Eventually.GetAsync(() => DeliveredAsync(db, scheduleId), n => n >= 10, "10 delivered runs", Patience);
        // Kill (SIGKILL) the replica that is firing: the other one must take over.
        var firing = await db.ScalarAsync<string>("SELECT fired_by FROM schedule_runs WHERE schedule_id = $1 ORDER BY fire_time DESC LIMIT 1", scheduleId);
        var victim = hosts.Single(h => InstanceId(h) == firing);
        var survivor = hosts.Single(h => h != victim);
        await victim.KillAsync();
        var killedAt = DateTimeOffset.UtcNow;
        await Eventually.GetAsync(
            () => db.CountAsync("SELECT count(*) FROM schedule_runs WHERE schedule_id = $1 AND status = 'Delivered' AND created_at > $2", scheduleId, killedAt),
            n => n >= 12, "12 runs delivered after the kill", Patience);

        using var survivorHttp = new HttpClient { BaseAddress = survivor.BaseUrl };
        var onSurvivor = DirectLineTestClient.Resume(survivorHttp, client.ConversationId, client.Token);
        // The schedule keeps firing while the pause is answered, so the next bot message may be a run's: look for the answer.
        await onSurvivor.SendAsync("/schedule pause " + scheduleId);
        await Eventually.GetAsync(async () => (await onSurvivor.BotRepliesAsync()).Count(r => Text(r).StartsWith("Paused **Tick**", StringComparison.Ordinal)),
            n => n == 1, "the pause confirmation", Patience);
        await Eventually.GetAsync(
            () => db.CountAsync(
                """
                SELECT (SELECT count(*) FROM schedule_runs WHERE schedule_id = $1 AND status = 'Queued')
                     + (SELECT count(*) FROM inbox WHERE status = 'Pending') + (SELECT count(*) FROM outbox WHERE status = 'Pending')
                """, scheduleId),
            n => n == 0, "everything to settle", Patience);

        var runs = await db.CountAsync("SELECT count(*) FROM schedule_runs WHERE schedule_id = $1", scheduleId);
        Assert.True(runs >= 22, $"{runs} runs");
        Assert.Equal(runs, await DeliveredAsync(db, scheduleId));
        Assert.Equal(runs, await db.CountAsync("SELECT count(DISTINCT fire_time) FROM schedule_runs WHERE schedule_id = $1", scheduleId));
        // One inbox row per firing, whichever replica fired it (a second firing stops at the unique event id).
        Assert.Equal(runs, await db.CountAsync("SELECT count(*) FROM inbox WHERE event_id LIKE $1", "schedule:" + scheduleId.ToString("N") + ":%"));
        // Per fire time: exactly one message sent, and exactly one Direct Line activity.
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
        Assert.Equal(runs, (await onSurvivor.BotRepliesAsync()).Count(r => Text(r).StartsWith("I don't know your time zone yet", StringComparison.Ordinal)));
        // Both replicas fired: the one that died, then the one that took over.
        Assert.Equal(2, await db.CountAsync("SELECT count(DISTINCT fired_by) FROM schedule_runs WHERE schedule_id = $1", scheduleId));

        var firedBy = await db.ScalarAsync<string>("SELECT string_agg(fired_by || ': ' || n, ', ') FROM (SELECT fired_by, count(*) AS n FROM schedule_runs WHERE schedule_id = $1 GROUP BY fired_by) f", scheduleId);
        output.WriteLine($"{runs} runs, each delivered once; fired by {firedBy} (killed {firing})");
    }

    private static Task<long> DeliveredAsync(TestDatabase db, Guid scheduleId) =>
        db.CountAsync("SELECT count(*) FROM schedule_runs WHERE schedule_id = $1 AND status = 'Delivered'", scheduleId);

    /// <summary>The Quartz instance id a host logged at start.</summary>
    private static string InstanceId(BotHostProcess host) =>
        InstanceIdPattern().Match(host.Output) is { Success: true } match ? match.Groups[1].Value : throw new InvalidOperationException("No Quartz instance id in the host's output:\n" + host.Output);

    [GeneratedRegex("with instanceId '([^']+)'")]
    private static partial Regex InstanceIdPattern();
}
