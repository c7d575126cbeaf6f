using Bot.Tests.Support;
using static Bot.Tests.EndToEnd.Scheduling.ScheduleHosts;

namespace Bot.Tests.EndToEnd.Scheduling;

/// <summary>
/// Standing instructions on two host processes sharing one database: the clustered evaluator fires each due occurrence
/// exactly once, also when a replica is SIGKILLed just as the occurrences fall due (its open transactions die with it
/// and the survivor's next tick fires what it had not committed).
/// </summary>
public class StrategyClusterTests
{
    private const int Instructions = 6;

    [Fact]
    public async Task Due_recurring_buys_fire_once_each_across_a_replica_killed_as_they_fall_due()
    {
        await using var db = await TestDatabase.CreateAsync();
        var settings = Settings(("Strategies:PaperAlwaysOpen", "true"), ("Strategies:TickSeconds", "1"));
        var starting = new[] { BotHostProcess.StartAsync(db.ConnectionString, settings), BotHostProcess.StartAsync(db.ConnectionString, settings) };
        await using var first = await starting[0];
        await using var second = await starting[1];

        using var http = new HttpClient { BaseAddress = second.BaseUrl };
        var client = await DirectLineTestClient.StartAsync(http);
        for (var i = 0; i < Instructions; i++)
        {
            Assert.StartsWith($"Set **Recurring buy: {1000 + i} USD of VTI every trading day**", await AskAsync(client, $"/dca {1000 + i} VTI daily"), StringComparison.Ordinal);
        }
        await Eventually.GetAsync(() => db.CountAsync("SELECT count(*) FROM qrtz_scheduler_state"), n => n == 2, "both replicas in the Quartz cluster", Patience);

        for (var round = 1; round <= 2; round++)
        {
            // Everything falls due now; in the first round one replica dies at that moment.
            await db.ScalarAsync<int>("UPDATE strategies SET due_at = date_trunc('milliseconds', now()), next_eval_at = date_trunc('milliseconds', now())");
            if (round == 1)
            {
                await first.KillAsync();
            }
            await Eventually.GetAsync(() => db.CountAsync("SELECT count(*) FROM inbox WHERE event_id LIKE 'strategy:%'"), n => n >= Instructions * round,
                $"round {round}'s firings", Patience);
            await Eventually.GetAsync(() => db.CountAsync("SELECT count(*) FROM strategies WHERE due_at > now() + interval '1 hour'"), n => n == Instructions,
                $"round {round}'s occurrences handled", Patience);
        }

        // A few more ticks: nothing fires twice.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(Instructions * 2, await db.CountAsync("SELECT count(*) FROM inbox WHERE event_id LIKE 'strategy:%'"));
        Assert.Equal(Instructions * 2, await db.CountAsync("SELECT count(DISTINCT event_id) FROM inbox WHERE event_id LIKE 'strategy:%'"));
        Assert.Equal(Instructions, await db.CountAsync("SELECT count(DISTINCT split_part(event_id, ':', 2)) FROM inbox WHERE event_id LIKE 'strategy:%'"));
        // Each firing's turn ran on the survivor and proposed its plan.
        await Eventually.GetAsync(() => db.CountAsync("SELECT count(*) FROM strategies WHERE last_outcome LIKE 'Proposed plan %'"), n => n == Instructions,
            "every firing's plan", Patience);
    }
}
