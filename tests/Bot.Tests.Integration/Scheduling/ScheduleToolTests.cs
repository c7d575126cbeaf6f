using Bot.Tests.Support;
using Microsoft.Extensions.AI;

namespace Bot.Tests.Integration.Scheduling;

/// <summary>Schedules made in words: the model calls <c>create_schedule</c> and <c>list_schedules</c> for the turn's user.</summary>
public class ScheduleToolTests(LlmFactory app) : IClassFixture<LlmFactory>
{
    private readonly PipelineDriver driver = new(app);

    [Fact]
    public async Task The_model_creates_a_schedule_in_the_users_zone_after_learning_it_is_unknown()
    {
        var inbound = await driver.ReceiveAsync("Every weekday at 8 send me a briefing on my portfolio", user: "planner-" + Guid.NewGuid().ToString("N"));
        var arguments = new Dictionary<string, object?> { ["cron"] = "0 8 * * 1-5", ["prompt"] = "Give me a short briefing on my portfolio", ["title"] = "Morning briefing" };
        var chat = app.NewScript()
            .Then(ScriptedChatClient.ToolCalls(("call-1", "create_schedule", new(arguments) { ["time_zone"] = "" })))
            .Then(ScriptedChatClient.ToolCalls(("call-2", "create_schedule", new(arguments) { ["time_zone"] = "europe/berlin" })))
            .Then(ScriptedChatClient.ToolCalls(("call-3", "list_schedules", null)))
            .Then(ScriptedChatClient.Text("Done: weekdays at 08:00 Berlin time."))
            .Then(ScriptedChatClient.Text("Morning briefing"))
            .Then(ScriptedChatClient.Text("[]"));

        await driver.RunAsync(inbound.ThreadId);

        var results = chat.Calls.Skip(1).Take(3).Select(c => c.Messages.Last(m => m.Role == ChatRole.Tool).Contents.OfType<FunctionResultContent>().Single().Result?.ToString() ?? "").ToList();
        Assert.Contains("time zone is not known. Ask the user", results[0], StringComparison.Ordinal);
        Assert.Contains("\"Morning briefing\"", results[1], StringComparison.Ordinal);
        Assert.Contains("(Europe/Berlin)", results[1], StringComparison.Ordinal);
        Assert.Contains("Give me a short briefing on my portfolio", results[2], StringComparison.Ordinal);

        Assert.Equal("0 0 8 ? * MON-FRI", await app.Database.ScalarAsync<string>("SELECT cron FROM schedules WHERE user_id = $1", inbound.UserId));
        Assert.Equal("Europe/Berlin", await app.Database.ScalarAsync<string>("SELECT time_zone FROM schedules WHERE user_id = $1", inbound.UserId));
        Assert.Equal(inbound.ConversationId, await app.Database.ScalarAsync<Guid>("SELECT conversation_id FROM schedules WHERE user_id = $1", inbound.UserId));
        Assert.Equal("Europe/Berlin", await app.Database.ScalarAsync<string>("SELECT time_zone FROM users WHERE id = $1", inbound.UserId));
        Assert.Equal(1, await app.Database.CountAsync(
            "SELECT count(*) FROM qrtz_triggers t JOIN schedules s ON s.id::text = t.trigger_name WHERE s.user_id = $1", inbound.UserId));
        Assert.Equal("Done: weekdays at 08:00 Berlin time.", await driver.LastReplyAsync(inbound.ThreadId));
    }
}
