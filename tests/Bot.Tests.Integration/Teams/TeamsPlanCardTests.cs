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

    private JsonObject Invoke(JsonObject action, string conversation, string userId)
    {
        var activity = fixture.Message("", conversationId: conversation, userId: userId);
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

        using var response = await fixture.PostAsync(Invoke(approve, conversation, user), BotFramework.Token());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = Json.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(200, body["statusCode"]!.GetValue<int>());
        Assert.Equal("application/vnd.microsoft.card.adaptive", body["type"]!.GetValue<string>());
        var updated = body["value"]!.AsObject();
        Assert.Null(updated["actions"]);
        Assert.DoesNotContain("Proposed", updated["body"]![1]!["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, await fixture.Host.Database.CountAsync("SELECT count(*) FROM paper_orders"));

        // Teams retries an invoke it did not hear back from in time: the second one changes nothing.
        using var again = await fixture.PostAsync(Invoke(approve, conversation, user), BotFramework.Token());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(1, await fixture.Host.Database.CountAsync("SELECT count(*) FROM paper_orders"));
    }

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
