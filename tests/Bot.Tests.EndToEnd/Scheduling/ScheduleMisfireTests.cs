using System.Globalization;
using Bot.Tests.Support;
using static Bot.Tests.EndToEnd.Scheduling.MisfireScenario;
using static Bot.Tests.EndToEnd.Scheduling.ScheduleHosts;

namespace Bot.Tests.EndToEnd.Scheduling;

/// <summary>
/// A schedule whose firing time passes while no host runs (see <see cref="ScheduleCatchUpTests"/> and
/// <see cref="ScheduleSkipTests"/>). The firing is a daily cron at a chosen second, so nothing else fires.
/// </summary>
internal static class MisfireScenario
{
    /// <summary>How far ahead the firing is set: room to create the schedule and stop the host before it.</summary>
    private static readonly TimeSpan Lead = TimeSpan.FromSeconds(12);

    public sealed record Stopped(DirectLineTestClient Client, Guid ScheduleId, DateTimeOffset FireAt);

    /// <summary>Creates a schedule firing once at a chosen second, then stops the host before that second.</summary>
    public static async Task<Stopped> CreateAndStopAsync(TestDatabase db)
    {
        await using var host = await BotHostProcess.StartAsync(db.ConnectionString, Settings());
        using var http = new HttpClient { BaseAddress = host.BaseUrl };
        var client = await DirectLineTestClient.StartAsync(http);
        var now = DateTimeOffset.UtcNow;
        var fireAt = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero) + Lead;
        if (fireAt.Second == 0)
        {
            // Times on the minute are shown without seconds; keep the expected texts below simple.
            fireAt = fireAt.AddSeconds(1);
        }
        var cron = string.Create(CultureInfo.InvariantCulture, $"{fireAt.Second} {fireAt.Minute} {fireAt.Hour} * * ?");
        var created = await AskAsync(client, $"/schedule cron \"{cron}\" UTC Catch-up: /timezone");
        Assert.StartsWith("Scheduled **Catch-up**", created, StringComparison.Ordinal);
        var scheduleId = await ScheduleIdAsync(db, created);
        Assert.Equal(0, await host.StopAsync());
        // The precondition: the host was gone before the firing time, so nothing ran.
        Assert.True(DateTimeOffset.UtcNow < fireAt, $"the host took longer than {Lead.TotalSeconds} s to create the schedule and stop");
        Assert.Equal(0, await db.CountAsync("SELECT count(*) FROM schedule_runs WHERE schedule_id = $1", scheduleId));
        return new Stopped(client, scheduleId, fireAt);
    }

    public static async Task WaitUntilAsync(DateTimeOffset at)
    {
        var wait = at - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }
    }

}

/// <summary>Back within the grace period (the default, 60 minutes): the missed firing runs once.</summary>
public class ScheduleCatchUpTests
{
    [Fact]
    public async Task Back_within_the_grace_period_the_missed_firing_is_delivered_exactly_once()
    {
        await using var db = await TestDatabase.CreateAsync();
        var stopped = await CreateAndStopAsync(db);
        await WaitUntilAsync(stopped.FireAt + TimeSpan.FromSeconds(1));

        await using var host = await BotHostProcess.StartAsync(db.ConnectionString, Settings());
        using var http = new HttpClient { BaseAddress = host.BaseUrl };
        var client = DirectLineTestClient.Resume(http, stopped.Client.ConversationId, stopped.Client.Token);
        await Eventually.GetAsync(
            () => db.CountAsync("SELECT count(*) FROM schedule_runs WHERE schedule_id = $1 AND status <> 'Queued'", stopped.ScheduleId),
            n => n >= 1, "the catch-up run to settle", Patience);

        Assert.Equal("Delivered", await db.ScalarAsync<string>("SELECT status FROM schedule_runs WHERE schedule_id = $1", stopped.ScheduleId));
        Assert.True(await db.ScalarAsync<bool>("SELECT fire_time = $2 FROM schedule_runs WHERE schedule_id = $1", stopped.ScheduleId, stopped.FireAt));
        var status = await AskAsync(client, "/schedules");
        Assert.Contains("Last run " + stopped.FireAt.ToString("ddd yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " (UTC): delivered", status, StringComparison.Ordinal);
        // Exactly one: one run, one thread titled after the schedule, one message in the web chat from it.
        Assert.Equal(1, await db.CountAsync("SELECT count(*) FROM schedule_runs WHERE schedule_id = $1", stopped.ScheduleId));
        Assert.Equal(1, await db.CountAsync("SELECT count(*) FROM threads WHERE title LIKE 'Catch-up · %'"));
        Assert.Equal(1, await db.CountAsync(
            "SELECT count(*) FROM directline_activities a JOIN outbox o ON o.id = a.outbox_id JOIN threads t ON t.id = o.thread_id WHERE t.title LIKE 'Catch-up · %'"));
    }

}

/// <summary>
/// Back later than the grace period (3 s here): the missed firing is skipped, and the skip is recorded. Quartz's own
/// misfire threshold is 1 s here, so this firing also goes through Quartz's misfire handling (fire once, now), where
/// the catch-up test's goes through an ordinary late firing.
/// </summary>
public class ScheduleSkipTests
{
    [Fact]
    public async Task Back_after_the_grace_period_the_missed_firing_is_skipped_and_the_skip_recorded()
    {
        await using var db = await TestDatabase.CreateAsync();
        var stopped = await CreateAndStopAsync(db);
        var grace = TimeSpan.FromSeconds(3);
        // Start again only once the firing is further in the past than the grace period.
        await WaitUntilAsync(stopped.FireAt + grace + TimeSpan.FromSeconds(1));

        await using var host = await BotHostProcess.StartAsync(db.ConnectionString, Settings(("Scheduling:MisfireGraceMinutes", "0.05"), ("Scheduling:MisfireThresholdSeconds", "1")));
        using var http = new HttpClient { BaseAddress = host.BaseUrl };
        var client = DirectLineTestClient.Resume(http, stopped.Client.ConversationId, stopped.Client.Token);
        await Eventually.GetAsync(
            () => db.CountAsync("SELECT count(*) FROM schedule_runs WHERE schedule_id = $1", stopped.ScheduleId),
            n => n >= 1, "the firing to be handled", Patience);

        Assert.Equal("Skipped", await db.ScalarAsync<string>("SELECT status FROM schedule_runs WHERE schedule_id = $1", stopped.ScheduleId));
        Assert.True(await db.ScalarAsync<bool>("SELECT fire_time = $2 FROM schedule_runs WHERE schedule_id = $1", stopped.ScheduleId, stopped.FireAt));
        Assert.Equal("Skipped", await db.ScalarAsync<string>("SELECT last_status FROM schedules WHERE id = $1", stopped.ScheduleId));
        var status = await AskAsync(client, "/schedules");
        Assert.Contains("Last run **skipped**: Skipped the run due " + stopped.FireAt.ToString("ddd yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " (UTC): the service was not running then", status, StringComparison.Ordinal);
        Assert.Contains("past the grace period of 3 s", status, StringComparison.Ordinal);
        // Nothing was run or delivered for it.
        Assert.Equal(0, await db.CountAsync("SELECT count(*) FROM inbox WHERE event_id LIKE 'schedule:%'"));
        Assert.Equal(0, await db.CountAsync("SELECT count(*) FROM threads WHERE title LIKE 'Catch-up · %'"));
        Assert.Equal(1, await db.CountAsync("SELECT count(*) FROM schedule_runs WHERE schedule_id = $1", stopped.ScheduleId));
    }
}
