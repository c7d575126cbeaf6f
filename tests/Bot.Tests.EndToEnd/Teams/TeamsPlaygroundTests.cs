using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bot.Tests.Support;

namespace Bot.Tests.EndToEnd.Teams;

/// <summary>
/// The real host process (Teams:AppId empty, so no tokens) against Microsoft's Teams playground: a message gets a
/// reply; a plan card's Approve through Action.Execute returns the updated card and executes once; Action.Submit works.
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
