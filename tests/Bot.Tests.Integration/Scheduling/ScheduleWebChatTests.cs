using System.Text.Json;
using System.Net.Http.Json;
using Bot.Scheduling;
using Bot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static Bot.Tests.Integration.Scheduling.WebChatReplies;

namespace Bot.Tests.Integration.Scheduling;

/// <summary>Schedules through the web chat with no model configured: creating, firing, listing, buttons, time zones, drift.</summary>
public class ScheduleWebChatTests(ScheduleWebFactory app) : IClassFixture<ScheduleWebFactory>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private Task<long> TriggerCountAsync(Guid scheduleId) =>
        app.Database.CountAsync("SELECT count(*) FROM qrtz_triggers WHERE trigger_group = 'schedules' AND trigger_name = $1", scheduleId.ToString());

    private Task<Guid> ScheduleIdAsync(string code) =>
        app.Database.ScalarAsync<Guid>("SELECT id FROM schedules WHERE replace(id::text, '-', '') LIKE '%' || $1", code);

    /// <summary>Every web chat conversation belongs to the one local owner: start from no remembered zone.</summary>
    private Task ForgetTimeZoneAsync() =>
        app.Database.ScalarAsync<int>("UPDATE users SET time_zone = NULL WHERE id IN (SELECT user_id FROM channel_identities WHERE channel = 'web')");

    [Fact]
    public async Task A_one_second_schedule_delivers_to_the_web_chat_each_run_in_a_thread_of_its_own()
    {
        var http = app.CreateClient();
        var client = await DirectLineTestClient.StartAsync(http);
        await client.SendAsync("/schedule every 1s Tick: /help");
        var created = Text(await NextAsync(client, 0));
        Assert.StartsWith("Scheduled **Tick**", created, StringComparison.Ordinal);
        var scheduleId = await ScheduleIdAsync(Code(created));
        var userThread = await app.Database.ScalarAsync<Guid>("SELECT current_thread_id FROM conversations WHERE address = $1", client.ConversationId);

        await Eventually.GetAsync(
            () => app.Database.CountAsync("SELECT count(*) FROM schedule_runs WHERE schedule_id = $1 AND status = 'Delivered'", scheduleId),
            n => n >= 3, "three delivered runs", Patience);
        await client.SendAsync($"/schedule pause {Code(created)}");
        // The pause is a turn of its own: wait until it is done before counting, or a run may still start.
        await Eventually.GetAsync(
            () => app.Database.CountAsync("SELECT count(*) FROM schedules WHERE id = $1 AND NOT enabled", scheduleId),
            n => n == 1, "the pause to take effect", Patience);
        await Eventually.GetAsync(
            () => app.Database.CountAsync("SELECT count(*) FROM schedule_runs WHERE schedule_id = $1 AND status = 'Queued'", scheduleId),
            n => n == 0, "the last runs to settle", Patience);

        var runs = await app.Database.CountAsync("SELECT count(*) FROM schedule_runs WHERE schedule_id = $1", scheduleId);
        Assert.Equal(runs, await app.Database.CountAsync("SELECT count(*) FROM schedule_runs WHERE schedule_id = $1 AND status = 'Delivered'", scheduleId));
        // Each run: a thread of its own, titled after the schedule and the run's time, in the web chat's conversation, naming its schedule.
        Assert.Equal(runs, await app.Database.CountAsync(
            """
            SELECT count(DISTINCT t.id) FROM schedule_runs r JOIN threads t ON t.id = r.thread_id JOIN conversations c ON c.id = t.conversation_id
            WHERE r.schedule_id = $1 AND t.title LIKE 'Tick · ___ ____-__-__ __:__%' AND c.address = $2 AND t.id <> $3 AND t.schedule_id = $1
            """, scheduleId, client.ConversationId, userThread));
        // Delivered means the platform named it: each run's message is one Direct Line activity, whose id the run keeps.
        Assert.Equal(runs, await app.Database.CountAsync(
            """
            SELECT count(*) FROM schedule_runs r JOIN outbox o ON o.thread_id = r.thread_id
            JOIN directline_activities a ON a.outbox_id = o.id AND a.activity_id = r.platform_message_id
            WHERE r.schedule_id = $1 AND o.status = 'Sent'
            """, scheduleId));
        var replies = await client.BotRepliesAsync();
        Assert.Equal(runs, replies.Count(r => Text(r).StartsWith("**What I can do**", StringComparison.Ordinal)));
        // /threads: the schedule is one line (its run count, how the last run went), and none of its runs is listed as a thread.
        await client.SendAsync("/threads");
        static bool IsListing(JsonElement reply) => Text(reply).StartsWith("**Your recent threads**", StringComparison.Ordinal);
        var listing = Text((await Eventually.GetAsync(client.BotRepliesAsync, r => r.Any(IsListing), "the /threads reply", Patience)).Single(IsListing));
        var sections = listing.Split("**Scheduled runs**");
        Assert.True(sections.Length == 2, "the /threads reply: " + listing);
        Assert.DoesNotContain("Tick · ", sections[0], StringComparison.Ordinal);
        Assert.Contains("(this thread)", sections[0], StringComparison.Ordinal);
        Assert.Matches($@"\n- Tick · {runs} runs · last run [^\n]+: delivered(\n|$)", sections[1]);
        // The runs are grouped under their schedule, not in the main list, and the conversation still points at the user's own thread.
        var threads = await http.GetFromJsonAsync<JsonElement>(new Uri("/api/threads?limit=200", UriKind.Relative));
        Assert.DoesNotContain(threads.GetProperty("threads").EnumerateArray(), t => t.GetProperty("title").GetString()!.StartsWith("Tick", StringComparison.Ordinal));
        var group = (await http.GetFromJsonAsync<JsonElement>(new Uri("/api/threads/schedules", UriKind.Relative))).EnumerateArray()
            .Single(g => g.GetProperty("scheduleId").GetGuid() == scheduleId);
        Assert.Equal("Tick", group.GetProperty("title").GetString());
        Assert.Equal(runs, group.GetProperty("runCount").GetInt32());
        Assert.Equal("delivered", group.GetProperty("lastOutcome").GetString());
        var runThreads = await http.GetFromJsonAsync<JsonElement>(new Uri($"/api/threads?scheduleId={scheduleId}&limit=200", UriKind.Relative));
        Assert.Equal(runs, runThreads.GetProperty("threads").GetArrayLength());
        Assert.All(runThreads.GetProperty("threads").EnumerateArray(), t => Assert.Equal(scheduleId, t.GetProperty("scheduleId").GetGuid()));
        Assert.Equal(group.GetProperty("lastRunThreadId").GetGuid(), runThreads.GetProperty("threads")[0].GetProperty("id").GetGuid());
        // A run opens on its own: a web conversation of its own that shows and continues that run alone, not the chat where /schedule was typed.
        var lastRun = group.GetProperty("lastRunThreadId").GetGuid();
        Assert.Equal(JsonValueKind.Null, runThreads.GetProperty("threads")[0].GetProperty("directLineConversationId").ValueKind);
        using var open = await http.PostAsync(new Uri($"/api/threads/{lastRun}/directline", UriKind.Relative), null);
        var session = await open.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
        Assert.NotEqual(client.ConversationId, session.GetProperty("conversationId").GetString());
        var run = DirectLineTestClient.Resume(http, session.GetProperty("conversationId").GetString()!, session.GetProperty("token").GetString()!);
        await run.SendAsync("/portfolio");
        await run.WaitForBotRepliesAsync(1);
        await Eventually.GetAsync(() => app.Database.CountAsync("SELECT count(*) FROM thread_events WHERE thread_id = $1 AND content->>'text' = '/portfolio'", lastRun),
            n => n == 1, "the message in the run's thread", Patience);
        Assert.Equal(userThread, await app.Database.ScalarAsync<Guid>("SELECT current_thread_id FROM conversations WHERE address = $1", client.ConversationId));
        Assert.Equal(userThread, await app.Database.ScalarAsync<Guid>("SELECT current_thread_id FROM conversations WHERE address = $1", client.ConversationId));
        await Eventually.GetAsync(() => TriggerCountAsync(scheduleId), n => n == 0, "the trigger to be removed", Patience);
    }

    [Fact]
    public async Task The_zone_is_asked_for_once_then_remembered_and_the_buttons_pause_resume_and_delete()
    {
        var client = await DirectLineTestClient.StartAsync(app.CreateClient());
        await ForgetTimeZoneAsync();
        var seen = 0;
        await client.SendAsync("/schedule daily 08:00 /portfolio");
        var ask = Text(await NextAsync(client, seen++));
        Assert.StartsWith("Which time zone should “Portfolio” run in (every day at 08:00)?", ask, StringComparison.Ordinal);
        Assert.Contains("/schedule WHEN [TIME ZONE] [TITLE:] WHAT", ask, StringComparison.Ordinal);
        Assert.Equal(0, await app.Database.CountAsync("SELECT count(*) FROM schedules WHERE title = 'Portfolio' AND conversation_id = (SELECT id FROM conversations WHERE address = $1)", client.ConversationId));

        await client.SendAsync("/timezone Europe/Berlin");
        Assert.StartsWith("Your time zone is now `Europe/Berlin`", Text(await NextAsync(client, seen++)), StringComparison.Ordinal);
        await client.SendAsync("/schedule daily 08:00 /portfolio");
        var created = Text(await NextAsync(client, seen++));
        Assert.StartsWith("Scheduled **Portfolio**", created, StringComparison.Ordinal);
        Assert.Contains("every day at 08:00 (Europe/Berlin)", created, StringComparison.Ordinal);
        Assert.Matches(@"Next run: \w{3} \d{4}-\d{2}-\d{2} 08:00 \(Europe/Berlin\)", created);
        var code = Code(created);
        var scheduleId = await ScheduleIdAsync(code);
        Assert.Equal(1, await TriggerCountAsync(scheduleId));

        await client.SendAsync("/schedules");
        var list = await NextAsync(client, seen++);
        Assert.Contains($"**Portfolio** `#{code}`: every day at 08:00 (Europe/Berlin), sends “/portfolio”", Text(list), StringComparison.Ordinal);
        Assert.Contains("Active; next run", Text(list), StringComparison.Ordinal);
        Assert.Contains("Pause “Portfolio”", Buttons(list));
        Assert.Contains("Delete “Portfolio”", Buttons(list));

        await PressAsync(client, list, "Pause “Portfolio”");
        Assert.StartsWith("Paused **Portfolio**", Text(await NextAsync(client, seen++)), StringComparison.Ordinal);
        Assert.Equal(0, await TriggerCountAsync(scheduleId));
        await client.SendAsync("/schedules");
        var paused = await NextAsync(client, seen++);
        Assert.Contains("Paused (paused by you)", Text(paused), StringComparison.Ordinal);

        await PressAsync(client, paused, "Resume “Portfolio”");
        Assert.StartsWith("Resumed **Portfolio**", Text(await NextAsync(client, seen++)), StringComparison.Ordinal);
        Assert.Equal(1, await TriggerCountAsync(scheduleId));

        await PressAsync(client, paused, "Delete “Portfolio”");
        Assert.StartsWith("Deleted **Portfolio**", Text(await NextAsync(client, seen++)), StringComparison.Ordinal);
        Assert.Equal(0, await TriggerCountAsync(scheduleId));
        Assert.Equal(0, await app.Database.CountAsync("SELECT count(*) FROM schedules WHERE id = $1", scheduleId));

        await client.SendAsync($"/schedule resume {code}");
        Assert.StartsWith($"I found no schedule of yours with the code `{code}`", Text(await NextAsync(client, seen++)), StringComparison.Ordinal);
        await client.SendAsync("/schedule weekdays 25:00 x");
        Assert.Equal("`25:00` is not a time of day: the hour goes from 00 to 23.", Text(await NextAsync(client, seen++)));
        await client.SendAsync("/schedule every 1s /new");
        Assert.StartsWith("A schedule cannot run `/new`", Text(await NextAsync(client, seen++)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_zone_web_chat_reports_is_remembered_unless_the_user_chose_one()
    {
        var client = await DirectLineTestClient.StartAsync(app.CreateClient());
        await ForgetTimeZoneAsync();
        (await client.PostRawAsync("""{"type":"message","text":"/timezone","localTimezone":"America/New_York","channelData":{"clientActivityID":"tz-1"}}""")).EnsureSuccessStatusCode();
        Assert.Equal("Your time zone is `America/New_York`. Change it with `/timezone ZONE`.", Text(await NextAsync(client, 0)));
        (await client.PostRawAsync("""{"type":"message","text":"/timezone","localTimezone":"Asia/Tokyo","channelData":{"clientActivityID":"tz-2"}}""")).EnsureSuccessStatusCode();
        Assert.Equal("Your time zone is `America/New_York`. Change it with `/timezone ZONE`.", Text(await NextAsync(client, 1)));
        await client.SendAsync("/timezone Mars/Olympus");
        Assert.StartsWith("`Mars/Olympus` is not a time zone I know.", Text(await NextAsync(client, 2)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Triggers_that_drifted_from_the_schedules_table_are_rebuilt_from_it()
    {
        var client = await DirectLineTestClient.StartAsync(app.CreateClient());
        await client.SendAsync("/schedule daily 08:00 UTC Alpha: /portfolio");
        var alpha = await ScheduleIdAsync(Code(Text(await NextAsync(client, 0))));
        await client.SendAsync("/schedule daily 09:00 UTC Beta: /balances");
        var beta = await ScheduleIdAsync(Code(Text(await NextAsync(client, 1))));

        var triggers = app.Services.GetRequiredService<ScheduleTriggers>();
        // Drift: Alpha lost its trigger, Beta's rule changed under its trigger, and a trigger has no schedule at all.
        await triggers.RemoveAsync(alpha, default);
        await app.Database.ScalarAsync<int>("UPDATE schedules SET cron = '0 30 9 ? * *', time_zone = 'Asia/Tokyo' WHERE id = $1", beta);
        var orphan = Guid.CreateVersion7();
        await triggers.UpsertAsync(new Bot.Storage.Entities.Schedule
        {
            Id = orphan, Title = "orphan", Prompt = "/help", Cron = "0 0 7 ? * *", TimeZone = "UTC", Description = "x", StartsAt = DateTimeOffset.UtcNow,
        }, default);

        var reconciler = app.Services.GetServices<IHostedService>().OfType<ScheduleReconciler>().Single();
        var (added, updated, removed) = await reconciler.ReconcileAsync(default);
        Assert.True(added >= 1 && updated >= 1 && removed >= 1, $"added {added}, rebuilt {updated}, removed {removed}");

        var now = await triggers.ListAsync(default);
        Assert.True(now.ContainsKey(alpha.ToString()));
        Assert.Equal("cron 0 30 9 ? * * in Asia/Tokyo", now[beta.ToString()]);
        Assert.False(now.ContainsKey(orphan.ToString()));
        // Quartz agrees on the next firing: 09:30 in Tokyo.
        var next = await triggers.NextFireAsync(beta, default);
        Assert.Equal(new TimeSpan(9, 30, 0), TimeZoneInfo.ConvertTime(next!.Value, TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo")).TimeOfDay);
        Assert.Equal((0, 0, 0), await reconciler.ReconcileAsync(default));
    }
}
