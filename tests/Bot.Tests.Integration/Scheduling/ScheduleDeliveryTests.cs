using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Bot.Pipeline;
using Bot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Tests.Integration.Scheduling;

/// <summary>The host with its workers running, on a channel whose platform answers are scripted.</summary>
public class ScheduleDeliveryFactory : BotAppFactory
{
    public ScriptedChannelSender Sender { get; } = new();

    protected override IDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Scheduling:MinIntervalSeconds"] = "1",
        ["Scheduling:StatusPollSeconds"] = "0.2",
        ["Scheduling:PauseAfterUnreachable"] = "2",
        ["Pipeline:RetryBaseSeconds"] = "0.05",
    };

    protected override void ConfigureTestServices(IServiceCollection services) => services.AddSingleton<IChannelSender>(Sender);
}

/// <summary>What a schedule's status says when the platform does not take its message.</summary>
public class ScheduleDeliveryTests(ScheduleDeliveryFactory app) : IClassFixture<ScheduleDeliveryFactory>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly PipelineDriver driver = new(app);

    private IEnumerable<string> TextsSentTo(Guid conversationId) =>
        app.Sender.Deliveries.Where(d => d.ConversationId == conversationId).Select(d => d.Message.Text ?? string.Empty);

    /// <summary>Says something in a conversation of the scripted channel and waits until the reply went out.</summary>
    private async Task<Guid> SayAsync(string conversation, string text)
    {
        var inbound = await driver.ReceiveAsync(text, conversation);
        await Eventually.GetAsync(
            () => app.Database.CountAsync("SELECT count(*) FROM inbox WHERE id = $1 AND status = 'Pending'", inbound.InboxId),
            n => n == 0, "the turn of " + text, Patience);
        await Eventually.GetAsync(
            () => app.Database.CountAsync("SELECT count(*) FROM outbox WHERE thread_id = $1 AND status = 'Pending'", inbound.ThreadId),
            n => n == 0, "the reply to " + text, Patience);
        return inbound.ConversationId;
    }

    private async Task<Guid> CreateAsync(string conversation, string argument)
    {
        var conversationId = await SayAsync(conversation, "/schedule " + argument);
        return await app.Database.ScalarAsync<Guid>("SELECT id FROM schedules WHERE conversation_id = $1 ORDER BY created_at DESC LIMIT 1", conversationId);
    }

    [Fact]
    public async Task A_chat_that_refuses_the_bot_fails_the_runs_pauses_the_schedule_and_the_user_is_told_once()
    {
        var conversation = "blocked-" + Guid.NewGuid().ToString("N");
        var scheduleId = await CreateAsync(conversation, "every 1s Ping: /timezone");
        var conversationId = await app.Database.ScalarAsync<Guid>("SELECT conversation_id FROM schedules WHERE id = $1", scheduleId);
        // From here on the platform answers 403: the user blocked the bot. A run every second may already have fired and
        // been delivered before this line on a busy machine: the runs judged below are those queued after it.
        var blockedAt = await app.Database.ScalarAsync<DateTime>("SELECT now()");
        app.Sender.Script(conversationId, new SendResult.Unreachable("403 Forbidden: bot was blocked by the user"));

        await Eventually.GetAsync(
            () => app.Database.ScalarAsync<bool>("SELECT NOT enabled FROM schedules WHERE id = $1", scheduleId),
            paused => paused, "the schedule to be paused", Patience);
        // The trigger goes right after the pause is committed; a firing already executing then may still record
        // its run, so wait until Quartz has none in flight before the runs are counted and judged.
        await Eventually.GetAsync(
            () => app.Database.CountAsync(
                "SELECT (SELECT count(*) FROM qrtz_triggers WHERE trigger_name = $1) + (SELECT count(*) FROM qrtz_fired_triggers WHERE trigger_name = $1)",
                scheduleId.ToString()),
            n => n == 0, "the paused schedule's trigger to be removed and no firing in flight", Patience);
        await Eventually.GetAsync(
            () => app.Database.CountAsync("SELECT count(*) FROM schedule_runs WHERE schedule_id = $1 AND status = 'Queued'", scheduleId),
            n => n == 0, "the last runs to settle", Patience);

        // Never "delivered": every run failed, the first with the platform's own answer.
        Assert.Equal(0, await app.Database.CountAsync("SELECT count(*) FROM schedule_runs WHERE schedule_id = $1 AND status = 'Delivered' AND created_at > $2", scheduleId, blockedAt));
        Assert.True(await app.Database.CountAsync("SELECT count(*) FROM schedule_runs WHERE schedule_id = $1 AND status = 'Failed'", scheduleId) >= 2);
        Assert.Contains("403 Forbidden: bot was blocked by the user",
            await app.Database.ScalarAsync<string>("SELECT error FROM schedule_runs WHERE schedule_id = $1 AND status <> 'Delivered' ORDER BY fire_time LIMIT 1", scheduleId), StringComparison.Ordinal);
        Assert.Null(await app.Database.ScalarAsync<string>("SELECT platform_message_id FROM schedule_runs WHERE schedule_id = $1 AND platform_message_id IS NOT NULL AND created_at > $2 LIMIT 1", scheduleId, blockedAt));
        Assert.Equal("Failed", await app.Database.ScalarAsync<string>("SELECT last_status FROM schedules WHERE id = $1", scheduleId));
        Assert.Contains("403 Forbidden", await app.Database.ScalarAsync<string>("SELECT last_error FROM schedules WHERE id = $1", scheduleId), StringComparison.Ordinal);
        Assert.Contains("403 Forbidden", await app.Database.ScalarAsync<string>("SELECT paused_reason FROM schedules WHERE id = $1", scheduleId), StringComparison.Ordinal);
        var runs = await app.Database.CountAsync("SELECT count(*) FROM schedule_runs WHERE schedule_id = $1", scheduleId);

        // The user writes again (so the chat is reachable again): the answer, then the news, once.
        var before = TextsSentTo(conversationId).Count();
        await SayAsync(conversation, "/schedules");
        var sent = TextsSentTo(conversationId).Skip(before).ToList();
        Assert.Contains(sent, t => t.Contains("Paused (the chat kept refusing delivery (403 Forbidden: bot was blocked by the user))", StringComparison.Ordinal)
                                   && t.Contains("**failed**: Not delivered: the chat refused the bot (403 Forbidden: bot was blocked by the user)", StringComparison.Ordinal));
        Assert.Single(sent, t => t.StartsWith("Your schedule **Ping**", StringComparison.Ordinal) && t.Contains("was paused: the chat kept refusing delivery (403", StringComparison.Ordinal));
        await Eventually.GetAsync(
            () => app.Database.ScalarAsync<bool>("SELECT pause_notice_pending FROM schedules WHERE id = $1", scheduleId),
            pending => !pending, "the notice to be marked as told", Patience);

        before = TextsSentTo(conversationId).Count();
        await SayAsync(conversation, "/timezone");
        Assert.DoesNotContain(TextsSentTo(conversationId).Skip(before), t => t.Contains("was paused", StringComparison.Ordinal));
        // Paused means paused: no run was added meanwhile.
        Assert.Equal(runs, await app.Database.CountAsync("SELECT count(*) FROM schedule_runs WHERE schedule_id = $1", scheduleId));
    }

    [Fact]
    public async Task A_refused_message_fails_its_run_with_the_error_and_the_next_delivered_run_clears_it()
    {
        var conversation = "refusing-" + Guid.NewGuid().ToString("N");
        var scheduleId = await CreateAsync(conversation, "every 1s Pong: /timezone");
        var conversationId = await app.Database.ScalarAsync<Guid>("SELECT conversation_id FROM schedules WHERE id = $1", scheduleId);
        app.Sender.Script(conversationId, new SendResult.Failed("400 Bad Request: can't parse entities"));

        var failed = await Eventually.GetAsync(
            () => app.Database.ScalarAsync<string>("SELECT error FROM schedule_runs WHERE schedule_id = $1 AND status = 'Failed' LIMIT 1", scheduleId),
            e => e is not null, "a failed run", Patience);
        Assert.Equal("Not delivered (failed): 400 Bad Request: can't parse entities", failed);
        Assert.Null(await app.Database.ScalarAsync<string>("SELECT platform_message_id FROM schedule_runs WHERE schedule_id = $1 AND status = 'Failed' LIMIT 1", scheduleId));

        // The next run goes through: the status says delivered again, and a refused message alone never pauses.
        await Eventually.GetAsync(
            () => app.Database.ScalarAsync<string>("SELECT last_status FROM schedules WHERE id = $1", scheduleId),
            s => s == "Delivered", "a delivered run after the failure", Patience);
        Assert.True(await app.Database.ScalarAsync<bool>("SELECT enabled FROM schedules WHERE id = $1", scheduleId));
        Assert.NotNull(await app.Database.ScalarAsync<string>("SELECT platform_message_id FROM schedule_runs WHERE schedule_id = $1 AND status = 'Delivered' LIMIT 1", scheduleId));
        await SayAsync(conversation, "/schedule delete " + scheduleId);
        Assert.Equal(0, await app.Database.CountAsync("SELECT count(*) FROM schedules WHERE id = $1", scheduleId));
    }

    [Fact]
    public async Task Each_settled_run_is_counted_once_in_the_deliveries_metric_with_its_outcome()
    {
        // Only this class makes schedules on the scripted channel, and its tests run one at a time: let the runs of the
        // others end first (their schedules are paused or deleted when they finish).
        await Eventually.GetAsync(
            () => app.Database.CountAsync("SELECT (SELECT count(*) FROM schedule_runs WHERE status = 'Queued') + (SELECT count(*) FROM schedules WHERE enabled)"),
            n => n == 0, "no other scheduled run in flight", Patience);
        var counted = new ConcurrentQueue<(string? Channel, string? Outcome, long Value)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, subscriber) =>
        {
            if (instrument.Meter.Name == BotTelemetry.Name && instrument.Name == "bot.schedule.deliveries")
            {
                subscriber.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? channel = null, outcome = null;
            foreach (var tag in tags)
            {
                channel = tag.Key == "channel" ? tag.Value as string : channel;
                outcome = tag.Key == "outcome" ? tag.Value as string : outcome;
            }
            counted.Enqueue((channel, outcome, value));
        });
        listener.Start();

        var conversation = "metered-" + Guid.NewGuid().ToString("N");
        var scheduleId = await CreateAsync(conversation, "every 1s Meter: /timezone");
        var conversationId = await app.Database.ScalarAsync<Guid>("SELECT conversation_id FROM schedules WHERE id = $1", scheduleId);
        app.Sender.Script(conversationId, new SendResult.Failed("400 Bad Request: can't parse entities"));
        await Eventually.GetAsync(
            () => app.Database.CountAsync("SELECT count(*) FROM schedule_runs WHERE schedule_id = $1 AND status = 'Delivered'", scheduleId),
            n => n >= 3, "three delivered runs", Patience);
        await SayAsync(conversation, "/schedule pause " + scheduleId);
        await Eventually.GetAsync(
            () => app.Database.CountAsync(
                "SELECT (SELECT count(*) FROM qrtz_triggers WHERE trigger_name = $1::text) + (SELECT count(*) FROM qrtz_fired_triggers WHERE trigger_name = $1::text) + (SELECT count(*) FROM schedule_runs WHERE schedule_id = $1 AND status = 'Queued')", scheduleId),
            n => n == 0, "the paused schedule's last runs to settle", Patience);

        var delivered = await app.Database.CountAsync("SELECT count(*) FROM schedule_runs WHERE schedule_id = $1 AND status = 'Delivered'", scheduleId);
        var failed = await app.Database.CountAsync("SELECT count(*) FROM schedule_runs WHERE schedule_id = $1 AND status = 'Failed'", scheduleId);
        Assert.Equal(1, failed);
        var mine = counted.Where(c => c.Channel == ScriptedChannelSender.Name).ToList();
        Assert.All(mine, c => Assert.Equal(1, c.Value));
        Assert.Equal(delivered, mine.Count(c => c.Outcome == "delivered"));
        Assert.Equal(failed, mine.Count(c => c.Outcome == "failed"));
        Assert.Equal(delivered + failed, mine.Count);
    }
}
