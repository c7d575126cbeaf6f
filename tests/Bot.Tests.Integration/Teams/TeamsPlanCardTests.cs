using System.Net;
using System.Text.Json.Nodes;
using Bot.Tests.Support;

namespace Bot.Tests.Integration.Teams;

/// <summary>A plan card in Teams: Action.Execute decides in the request and answers with the updated card; exactly once.</summary>
public class TeamsPlanCardTests(TeamsHostFixture fixture) : IClassFixture<TeamsHostFixture>
{
    private FakeBotFramework BotFramework => fixture.BotFramework;

    private async Task<JsonObject> ProposeAsync(string conversation, string userId)
    {
        using var response = await fixture.PostAsync(fixture.Message("/buy 5 AAPL limit 190", conversationId: conversation, userId: userId), BotFramework.Token());
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var sent = await Eventually.GetAsync(
            () => Task.FromResult(BotFramework.Received.FirstOrDefault(r => r.Path.Contains(conversation, StringComparison.Ordinal) && r.Body["attachments"] is not null)),
            r => r.Body is not null, "the plan card on the connector", TimeSpan.FromSeconds(60));
        var card = sent.Body["attachments"]![0]!["content"]!.AsObject();
        Assert.Equal("application/vnd.microsoft.card.adaptive", sent.Body["attachments"]![0]!["contentType"]!.GetValue<string>());
        return card;
    }

    private JsonObject Invoke(JsonObject action, string conversation, string userId, string? replyToId = null)
    {
        var activity = fixture.Message("", conversationId: conversation, userId: userId);
        if (replyToId is not null)
        {
            activity["replyToId"] = replyToId;
        }
        activity["type"] = "invoke";
        activity["name"] = "adaptiveCard/action";
        activity.Remove("text");
        activity["value"] = new JsonObject
        {
            ["action"] = new JsonObject { ["type"] = "Action.Execute", ["verb"] = action["verb"]!.DeepClone(), ["data"] = action["data"]!.DeepClone() },
            ["trigger"] = "manual",
        };
        return activity;
    }

    [Fact]
    public async Task Approve_through_Action_Execute_returns_the_updated_card_and_executes_once()
    {
        var conversation = "a:plan-" + Guid.NewGuid().ToString("N")[..8];
        const string user = "29:owner";
        var card = await ProposeAsync(conversation, user);
        var approve = card["actions"]!.AsArray().Select(a => a!.AsObject()).Single(a => a["verb"]?.GetValue<string>() == "plan.approve");
        Assert.Equal("Action.Execute", approve["type"]!.GetValue<string>());
        Assert.Equal("Action.Submit", approve["fallback"]!["type"]!.GetValue<string>());
        var ordersBefore = await fixture.Host.Database.CountAsync("SELECT count(*) FROM paper_orders");

        using var response = await fixture.PostAsync(Invoke(approve, conversation, user), BotFramework.Token());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = Json.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(200, body["statusCode"]!.GetValue<int>());
        Assert.Equal("application/vnd.microsoft.card.adaptive", body["type"]!.GetValue<string>());
        var updated = body["value"]!.AsObject();
        Assert.Null(updated["actions"]);
        Assert.DoesNotContain("Proposed", updated["body"]![1]!["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(ordersBefore + 1, await fixture.Host.Database.CountAsync("SELECT count(*) FROM paper_orders"));

        // Teams retries an invoke it did not hear back from in time: the second one changes nothing.
        using var again = await fixture.PostAsync(Invoke(approve, conversation, user), BotFramework.Token());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(ordersBefore + 1, await fixture.Host.Database.CountAsync("SELECT count(*) FROM paper_orders"));
    }

    [Fact]
    public async Task An_Action_Execute_click_is_kept_in_the_cards_thread_as_answered_and_the_card_is_redrawn_for_everyone()
    {
        var db = fixture.Host.Database;
        var conversation = "a:plan-kept-" + Guid.NewGuid().ToString("N")[..8];
        const string user = "29:keeper";
        var card = await ProposeAsync(conversation, user);
        var approve = card["actions"]!.AsArray().Select(a => a!.AsObject()).Single(a => a["verb"]?.GetValue<string>() == "plan.approve");
        var cardOutboxId = await db.ScalarAsync<Guid>(
            "SELECT o.id FROM outbox o JOIN conversations c ON c.id = o.conversation_id WHERE c.address = $1 AND o.payload ? 'card'", conversation);
        // The connector has the card before the outbox records it as sent (the sender records its batch after sending).
        var cardMessageId = await Eventually.GetAsync(() => db.ScalarAsync<string>("SELECT platform_message_id FROM outbox WHERE id = $1", cardOutboxId),
            id => id is not null, "the card's send recorded");
        var threadId = await db.ScalarAsync<Guid>("SELECT thread_id FROM outbox WHERE id = $1", cardOutboxId);
        Assert.StartsWith("act-", cardMessageId, StringComparison.Ordinal);
        var ordersBefore = await db.CountAsync("SELECT count(*) FROM paper_orders");

        var invoke = Invoke(approve, conversation, user, replyToId: cardMessageId);
        var invokeId = invoke["id"]!.GetValue<string>();
        using (var response = await fixture.PostAsync(invoke.DeepClone().AsObject(), BotFramework.Token()))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Null(Json.Parse(await response.Content.ReadAsStringAsync())["value"]!["actions"]);
        }
        Assert.Equal(ordersBefore + 1, await db.CountAsync("SELECT count(*) FROM paper_orders"));

        // Recorded, already answered: one inbox row (the invoke's id), done, never attempted by a turn worker.
        Assert.Equal(1, await db.CountAsync("SELECT count(*) FROM inbox WHERE channel = 'teams' AND event_id = $1", invokeId));
        Assert.Equal("Done", await db.ScalarAsync<string>("SELECT status FROM inbox WHERE event_id = $1", invokeId));
        Assert.Equal(threadId, await db.ScalarAsync<Guid>("SELECT thread_id FROM inbox WHERE event_id = $1", invokeId));
        // In the card's thread: the user's button press, then the outcome as the bot's answer.
        const string clickEvents =
            """
            SELECT e.role || ': ' || COALESCE(e.content->'action'->>'name', '') || ' ' || COALESCE(e.content->'action'->'data'->>'args', e.content->>'text')
            FROM thread_events e JOIN inbox i ON e.id = i.thread_event_id OR e.turn_id = i.id
            WHERE i.event_id = $1 ORDER BY e.created_at
            """;
        var kept = await db.ScalarAsync<string>("SELECT string_agg(line, E'\n') FROM (" + clickEvents + ") AS lines(line)", invokeId);
        var lines = kept!.Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Equal("user: /plan " + approve["data"]!["args"]!.GetValue<string>(), lines[0]);
        var shortId = approve["data"]!["args"]!.GetValue<string>().Split(' ')[1];
        var outcome = await db.ScalarAsync<string>("SELECT outcome FROM trade_plans WHERE short_id = $1", shortId);
        Assert.Contains("at the paper broker", outcome, StringComparison.Ordinal);
        Assert.Equal("assistant:  " + outcome, lines[1]);

        // The card message itself is updated through the connector (a PUT on the card's activity), without buttons.
        var put = await Eventually.GetAsync(
            () => Task.FromResult(BotFramework.Received.FirstOrDefault(r => r.Method == "PUT" && r.Path.EndsWith("/activities/" + cardMessageId, StringComparison.Ordinal))),
            r => r.Body is not null, "the card's update on the connector", TimeSpan.FromSeconds(60));
        var redrawn = put.Body["attachments"]![0]!["content"]!.AsObject();
        Assert.Null(redrawn["actions"]);
        Assert.Contains(outcome, Texts(redrawn));

        // Teams retries the identical invoke: a duplicate. Nothing more is recorded, queued or executed.
        using (var again = await fixture.PostAsync(invoke.DeepClone().AsObject(), BotFramework.Token()))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.Contains("already approved", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal(ordersBefore + 1, await db.CountAsync("SELECT count(*) FROM paper_orders"));
        Assert.Equal(1, await db.CountAsync("SELECT count(*) FROM inbox WHERE event_id = $1", invokeId));
        Assert.Equal(kept, await db.ScalarAsync<string>("SELECT string_agg(line, E'\n') FROM (" + clickEvents + ") AS lines(line)", invokeId));
        Assert.Equal(1, await db.CountAsync("SELECT count(*) FROM outbox WHERE payload->>'replaces' = $1", cardOutboxId.ToString()));

        // The turn worker never ran the click: a later message in the same thread is answered (turns of a thread run
        // in order), and by then the click's row was still never attempted and the thread got no second answer to it.
        using (var later = await fixture.PostAsync(fixture.Message("/help", conversationId: conversation, userId: user), BotFramework.Token()))
        {
            Assert.Equal(HttpStatusCode.Accepted, later.StatusCode);
        }
        await Eventually.GetAsync(
            () => db.CountAsync("SELECT count(*) FROM inbox WHERE thread_id = $1 AND status = 'Done' AND attempts > 0", threadId),
            n => n == 2, "the /buy and /help turns", TimeSpan.FromSeconds(60));
        Assert.Equal(0, await db.CountAsync("SELECT attempts FROM inbox WHERE event_id = $1", invokeId));
        Assert.Equal(0, await db.CountAsync("SELECT count(*) FROM thread_events WHERE thread_id = $1 AND content->>'text' LIKE '%already approved%'", threadId));
    }

    /// <summary>Every string under a card's <c>text</c> properties.</summary>
    private static List<string> Texts(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Key == "text" && p.Value is JsonValue v && v.TryGetValue<string>(out var t) ? [t] : Texts(p.Value)).ToList(),
        JsonArray a => a.SelectMany(Texts).ToList(),
        _ => [],
    };

    [Fact]
    public async Task Someone_else_cannot_approve()
    {
        var conversation = "a:plan-other-" + Guid.NewGuid().ToString("N")[..8];
        var card = await ProposeAsync(conversation, "29:planner");
        var approve = card["actions"]!.AsArray().Select(a => a!.AsObject()).Single(a => a["verb"]?.GetValue<string>() == "plan.approve");
        var before = await fixture.Host.Database.CountAsync("SELECT count(*) FROM paper_orders");
        using var response = await fixture.PostAsync(Invoke(approve, conversation, "29:stranger"), BotFramework.Token());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("only the person", text, StringComparison.Ordinal);
        Assert.Equal(before, await fixture.Host.Database.CountAsync("SELECT count(*) FROM paper_orders"));
    }
}
