using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bot.Tests.EndToEnd.Scheduling;
using Bot.Tests.Integration.LlmWire;
using Bot.Tests.Support;

namespace Bot.Tests.EndToEnd.Teams;

/// <summary>
/// The real host process (Teams:AppId empty, so no tokens) against Microsoft's Teams playground: a message gets a
/// reply; a plan card's Approve through Action.Execute returns the updated card, executes once, is kept in the thread and
/// redraws the card for everybody; Action.Submit works; a scheduled run arrives unprompted (proactive); a model's
/// reply streams into the personal chat and its final message completes the streamed message.
/// </summary>
public sealed class TeamsPlaygroundTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task The_bot_answers_in_the_playground_and_plan_cards_execute_once_through_Action_Execute_and_Action_Submit()
    {
        await using var database = await TestDatabase.CreateAsync();
        var botPort = Ports.GetFree();
        await using var playground = await TeamsPlayground.StartAsync(botPort);
        await using var host = await BotHostProcess.StartAsync(database.ConnectionString, new Dictionary<string, string> { ["Teams:Enabled"] = "true" }, botPort);
        string Context() => $"\nframes: {string.Join("\n", playground.Frames.Select(f => f.ToJsonString()))}\nhost:\n{host.Output}\nplayground:\n{playground.Output}";

        // A message gets a reply.
        await playground.SendAsync("/help");
        await WaitForAsync(() => playground.BotMessages().Any(m => m["text"]?.GetValue<string>().Contains("/buy", StringComparison.Ordinal) == true), "the /help reply", Context);

        // A plan card; Approve through Action.Execute answers with the updated card, and the order is placed once.
        var card = await ProposeAsync(playground, 1, Context);
        var approve = Actions(card.Card).Single(a => a["verb"]?.GetValue<string>() == "plan.approve");
        for (var click = 0; click < 2; click++)
        {
            using var response = await playground.Http.PostAsJsonAsync("/_conversation/v1/invoke", new
            {
                name = "adaptiveCard/action",
                value = new JsonObject { ["action"] = new JsonObject { ["type"] = "Action.Execute", ["verb"] = "plan.approve", ["data"] = approve["data"]!.DeepClone() }, ["trigger"] = "manual" },
                from = new { id = TeamsPlayground.UserId },
                conversation = new { id = TeamsPlayground.ConversationId },
                replyToId = card.MessageId,
            });
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, body + Context());
            Assert.Contains("application/vnd.microsoft.card.adaptive", body, StringComparison.Ordinal);
            Assert.DoesNotContain("Action.Execute", body, StringComparison.Ordinal);
        }
        Assert.Equal(1, await database.CountAsync("SELECT count(*) FROM paper_orders"));
        // The invoke response redraws the card only for whoever clicked (the playground keeps it without telling anyone);
        // everybody else sees the outcome because the card message itself is updated through the connector.
        await WaitForAsync(() => playground.BotMessages("updateMessage").Any(m => m["messageId"]?.ToString() == card.MessageId
            && !m.ToJsonString().Contains("Action.Execute", StringComparison.Ordinal)), "the card updated for everybody after Action.Execute", Context);
        // Both clicks (the playground gives each invoke an id of its own) are in the card's thread, answered, and no
        // turn ran them.
        Assert.Equal(2, await database.CountAsync(
            """
            SELECT count(*) FROM inbox i
            WHERE i.thread_id IN (SELECT thread_id FROM outbox WHERE platform_message_id = $1)
              AND i.status = 'Done' AND i.attempts = 0 AND i.payload->'action'->>'name' = '/plan'
            """,
            card.MessageId));

        // The Action.Submit fallback: the card's data posted back as a message value goes through the turn pipeline.
        var second = await ProposeAsync(playground, 2, Context);
        var submit = Actions(second.Card).Single(a => a["verb"]?.GetValue<string>() == "plan.approve")["fallback"]!.AsObject();
        Assert.Equal("Action.Submit", submit["type"]!.GetValue<string>());
        using (var response = await playground.Http.PostAsJsonAsync("/_conversation/v1/submit", new
        {
            conversation = new { id = TeamsPlayground.ConversationId },
            from = new { id = TeamsPlayground.UserId },
            replyToId = second.MessageId,
            value = submit["data"]!.DeepClone(),
        }))
        {
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync() + Context());
        }
        await Eventually.GetAsync(() => database.CountAsync("SELECT count(*) FROM paper_orders"), n => n == 2, "the submitted plan's order", Wait);
        // The card is updated in place (PUT on the connector) so it has no live buttons any more.
        await WaitForAsync(() => playground.BotMessages("updateMessage").Any(m => m["messageId"]?.ToString() == second.MessageId
            && !m.ToJsonString().Contains("Action.Execute", StringComparison.Ordinal)), "the updated card after Action.Submit", Context);
        Assert.Equal(2, await database.CountAsync("SELECT count(*) FROM paper_orders"));
    }

    [Fact]
    public async Task A_scheduled_run_arrives_in_the_playground_unprompted_and_opens_the_personal_chat_when_the_reference_has_no_conversation()
    {
        await using var database = await TestDatabase.CreateAsync();
        var botPort = Ports.GetFree();
        await using var playground = await TeamsPlayground.StartAsync(botPort);
        await using var host = await BotHostProcess.StartAsync(database.ConnectionString, ScheduleHosts.Settings(("Teams:Enabled", "true")), botPort);
        string Context() => $"\nframes: {string.Join("\n", playground.Frames.Select(f => f.ToJsonString()))}\nhost:\n{host.Output}\nplayground:\n{playground.Output}";

        // The only thing the user ever writes here is the schedule; every run after it is the bot's own initiative.
        await playground.SendAsync("/schedule every 1s Tick: /quote AAPL");
        await WaitForAsync(() => playground.BotMessages().Any(m => m["text"]?.GetValue<string>().Contains("Scheduled", StringComparison.Ordinal) == true), "the schedule's confirmation", Context);
        var scheduleId = await database.ScalarAsync<Guid>("SELECT id FROM schedules");

        // A run: a new thread, answered by the turn worker, delivered by the outbox as a createMessage on the WebSocket.
        var firstRun = await Eventually.GetAsync(() => RunMessageAsync(database, scheduleId, after: DateTimeOffset.MinValue), id => id is not null, "a delivered run", Wait);
        await WaitForAsync(() => playground.BotMessages().Any(m => m["messageId"]?.ToString() == firstRun), "the run's message on the WebSocket", Context);
        Assert.Equal(1, await database.CountAsync("SELECT count(*) FROM inbox WHERE event_id NOT LIKE 'schedule:%'"));
        await Eventually.GetAsync(() => database.CountAsync("SELECT count(*) FROM schedule_runs WHERE schedule_id = $1 AND status = 'Delivered'", scheduleId), n => n >= 1, "a run marked delivered", Wait);

        // The stored reference loses its conversation id (it still names the user, the bot and the service URL): the
        // next runs open the personal chat with POST /v3/conversations, arrive there, and the id is stored again.
        var stripped = await database.ScalarAsync<DateTime>(
            "UPDATE conversations SET reference = reference - 'conversationId' WHERE channel = 'teams' RETURNING clock_timestamp()");
        Assert.Equal("user-id-0", await database.ScalarAsync<string>("SELECT reference->>'userId' FROM conversations WHERE channel = 'teams'"));
        var laterRun = await Eventually.GetAsync(() => RunMessageAsync(database, scheduleId, after: new DateTimeOffset(stripped, TimeSpan.Zero)), id => id is not null, "a run queued after the reference lost its conversation", Wait);
        await WaitForAsync(() => playground.BotMessages().Any(m => m["messageId"]?.ToString() == laterRun), "that run's message on the WebSocket", Context);
        Assert.False(string.IsNullOrEmpty(await database.ScalarAsync<string>("SELECT reference->>'conversationId' FROM conversations WHERE channel = 'teams'")), Context());

        await playground.SendAsync("/schedule pause " + scheduleId);
        await WaitForAsync(() => playground.BotMessages().Any(m => m["text"]?.GetValue<string>().Contains("Paused", StringComparison.Ordinal) == true), "the pause", Context);
    }

    [Fact]
    public async Task A_model_reply_streams_into_the_playground_and_the_final_message_completes_that_same_message()
    {
        const string question = "Should I keep my emergency fund in bonds?";
        string[] chunks = ["Keep it in cash ", "or a savings account. ", "Bonds can lose value just when you need the money."];
        var answer = string.Concat(chunks);
        await using var database = await TestDatabase.CreateAsync();
        await using var llm = await ScriptedLlmServer.StartAsync();
        // Pieces far enough apart for Teams' pace (at most one streaming request every 1.5 s), so the stream has updates.
        llm.Script("answer", r => r.IsMessages() && r.IsStreaming && r.LastUserText() == question, AnthropicWire.TextStream(TimeSpan.FromSeconds(1.7), chunks));
        llm.Script("title", r => r.IsMessages() && !r.IsStreaming && r.SystemText().Contains("You name chat threads", StringComparison.Ordinal), AnthropicWire.TextMessage("Emergency fund"));
        llm.Script("facts", r => r.IsMessages() && !r.IsStreaming, AnthropicWire.TextMessage("[]"), times: null);
        var botPort = Ports.GetFree();
        await using var playground = await TeamsPlayground.StartAsync(botPort);
        await using var host = await BotHostProcess.StartAsync(database.ConnectionString, new Dictionary<string, string>
        {
            ["Teams:Enabled"] = "true",
            ["Llm:Provider"] = "anthropic",
            ["Llm:ApiKey"] = "test-key-not-real",
            ["Llm:Model"] = "claude-test",
            ["Llm:BaseUrl"] = llm.BaseUrl.ToString().TrimEnd('/'),
        }, botPort);
        string Context() => $"\nframes: {string.Join("\n", playground.Frames.Select(f => f.ToJsonString()))}\nmodel: {string.Join("\n", llm.Requests)}\nhost:\n{host.Output}\nplayground:\n{playground.Output}";

        await playground.SendAsync(question);
        // The final message ends the stream: the playground updates the streamed message with the whole answer.
        await WaitForAsync(() => playground.BotMessages("updateMessage").Any(m => m["text"]?.GetValue<string>() == answer), "the final message of the stream", Context);
        var streamed = playground.BotMessages("updateMessage").Last(m => m["text"]?.GetValue<string>() == answer)["messageId"]!.ToString();
        // It began as the first streaming update (a message of its own, opened with the first piece of the answer) ...
        var opened = playground.BotMessages().Single(m => m["messageId"]?.ToString() == streamed);
        Assert.StartsWith(opened["text"]!.GetValue<string>(), answer, StringComparison.Ordinal);
        Assert.NotEqual(answer, opened["text"]!.GetValue<string>());
        // ... and the answer never arrived as a second message beside it; the reply is stored under the streamed id.
        Assert.DoesNotContain(playground.BotMessages(), m => m["text"]?.GetValue<string>() == answer);
        var stored = await Eventually.GetAsync(
            () => database.ScalarAsync<string>("SELECT platform_message_id FROM outbox WHERE payload->>'streamId' IS NOT NULL AND status = 'Sent'"),
            id => id is not null, "the reply's outbox row marked sent", Wait);
        Assert.Equal(streamed, stored);
    }

    /// <summary>The platform message id of a schedule run's reply that was queued after <paramref name="after"/> and sent.</summary>
    private static Task<string?> RunMessageAsync(TestDatabase database, Guid scheduleId, DateTimeOffset after) =>
        database.ScalarAsync<string>(
            """
            SELECT o.platform_message_id FROM schedule_runs r JOIN outbox o ON o.thread_id = r.thread_id
            WHERE r.schedule_id = $1 AND o.status = 'Sent' AND o.created_at > $2 ORDER BY o.seq LIMIT 1
            """, scheduleId, after);

    private static async Task<(string MessageId, JsonObject Card)> ProposeAsync(TeamsPlayground playground, int nth, Func<string> context)
    {
        await playground.SendAsync("/buy 5 AAPL limit 190");
        await WaitForAsync(() => CardMessages(playground).Count() >= nth, "plan card " + nth, context);
        var message = CardMessages(playground).ElementAt(nth - 1);
        return (message["messageId"]!.ToString(), message["attachments"]![0]!["content"]!.AsObject());
    }

    private static IEnumerable<JsonObject> CardMessages(TeamsPlayground playground) =>
        playground.BotMessages().Where(m => m["attachments"] is JsonArray { Count: > 0 } a
            && a[0]!["contentType"]?.GetValue<string>() == "application/vnd.microsoft.card.adaptive"
            && a[0]!["content"]?["actions"] is JsonArray);

    private static IEnumerable<JsonObject> Actions(JsonObject card) => card["actions"]!.AsArray().Select(a => a!.AsObject());

    private static async Task WaitForAsync(Func<bool> condition, string what, Func<string> context)
    {
        try
        {
            await Eventually.GetAsync(() => Task.FromResult(condition()), done => done, what, Wait);
        }
        catch (TimeoutException exception)
        {
            throw new TimeoutException(exception.Message + context(), exception);
        }
    }
}
