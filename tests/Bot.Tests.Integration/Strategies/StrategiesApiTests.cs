using System.Net.Http.Json;
using System.Text.Json;
using Bot.Strategies;
using Bot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Tests.Integration.Strategies;

/// <summary><c>GET /api/strategies</c>: the caller's own instructions with their status, and nobody else's.</summary>
public class StrategiesApiTests(BotAppFactory app) : IClassFixture<BotAppFactory>
{
    [Fact]
    public async Task The_web_owner_sees_their_own_instructions_only()
    {
        var http = app.CreateClient();
        var client = await DirectLineTestClient.StartAsync(http);
        await client.SendAsync("/alert AAPL above 5000");
        var reply = (await client.WaitForBotRepliesAsync(1))[0].GetProperty("text").GetString();
        Assert.StartsWith("Set **Alert: AAPL above 5000.00**", reply, StringComparison.Ordinal);

        // Someone else's instruction, on another channel, in the same database.
        var driver = new PipelineDriver(app);
        var other = await driver.ReceiveAsync("/alert MSFT below 1", user: "someone-else-" + Guid.NewGuid().ToString("N"));
        await Eventually.GetAsync(() => app.Database.CountAsync("SELECT count(*) FROM strategies WHERE user_id = $1", other.UserId), n => n == 1, "the other person's alert");

        var list = (await http.GetFromJsonAsync<JsonElement>("/api/strategies")).EnumerateArray().ToList();
        var mine = Assert.Single(list);
        Assert.Equal("Alert: AAPL above 5000.00", mine.GetProperty("title").GetString());
        Assert.Equal("Alert", mine.GetProperty("kind").GetString());
        Assert.Equal("Active", mine.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.String, mine.GetProperty("nextEvaluation").ValueKind);
        Assert.Matches("^[0-9a-f]{6}$", mine.GetProperty("id").GetString());
    }
}

/// <summary>A host with the kill switch on.</summary>
public class KillSwitchStrategiesFactory : StrategiesFactory
{
    protected override IDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings) { ["Trading:KillSwitch"] = "true" };
}

/// <summary>The kill switch pauses every instruction, and says so.</summary>
public class StrategyKillSwitchTests(KillSwitchStrategiesFactory app) : IClassFixture<KillSwitchStrategiesFactory>
{
    [Fact]
    public async Task With_the_kill_switch_on_nothing_fires_and_strategies_says_why()
    {
        var driver = new PipelineDriver(app);
        var conversation = "chat-" + Guid.NewGuid().ToString("N");
        app.Prices.Set("NVDA", 100m);
        var created = await driver.ReceiveAsync("/alert NVDA below 150", conversation);
        await driver.RunAsync(created.ThreadId);
        var id = await app.Database.ScalarAsync<Guid>("SELECT id FROM strategies WHERE user_id = $1", created.UserId);

        await app.Services.GetRequiredService<StrategyEvaluator>().EvaluateDueAsync("test", default);
        Assert.Equal(0, await app.Database.CountAsync("SELECT count(*) FROM inbox WHERE event_id LIKE 'strategy:%'"));
        Assert.StartsWith("Skipped: the kill switch is on", await app.Database.ScalarAsync<string>("SELECT last_outcome FROM strategies WHERE id = $1", id), StringComparison.Ordinal);

        var listed = await driver.ReceiveAsync("/strategies", conversation);
        await driver.RunAsync(listed.ThreadId);
        var text = await driver.LastReplyAsync(listed.ThreadId);
        Assert.Contains("Paused by the kill switch (Trading:KillSwitch)", text, StringComparison.Ordinal);
        Assert.Contains("Last outcome: ", text, StringComparison.Ordinal);
        Assert.Contains("Skipped: the kill switch is on", text, StringComparison.Ordinal);
        Assert.Contains("Next evaluation: none while paused", text, StringComparison.Ordinal);
    }
}
