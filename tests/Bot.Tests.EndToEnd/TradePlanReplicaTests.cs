using System.Text.Json;
using Bot.Tests.Support;

namespace Bot.Tests.EndToEnd;

/// <summary>Two host processes on one database, approvals through both at once: one order reaches the broker.</summary>
public class TradePlanReplicaTests
{
    [Fact]
    public async Task Approvals_through_two_replicas_send_exactly_one_order()
    {
        await using var db = await TestDatabase.CreateAsync();
        var settings = new Dictionary<string, string> { ["Pipeline:PollSeconds"] = "0.2", ["Pipeline:TurnWorkers"] = "4" };
        await using var first = await BotHostProcess.StartAsync(db.ConnectionString, settings);
        await using var second = await BotHostProcess.StartAsync(db.ConnectionString, settings);
        using var httpA = new HttpClient { BaseAddress = first.BaseUrl };
        using var httpB = new HttpClient { BaseAddress = second.BaseUrl };

        var clientA = await DirectLineTestClient.StartAsync(httpA);
        await clientA.SendAsync("/buy 3 MSFT limit 999");
        var card = (await clientA.WaitForBotRepliesAsync(1))[0].GetProperty("attachments")[0].GetProperty("content");
        var data = card.GetProperty("actions")[0].GetProperty("data");
        // The same conversation through the other replica (tokens are shared through the key ring in the database).
        var clientB = DirectLineTestClient.Resume(httpB, clientA.ConversationId, clientA.Token);

        var presses = Enumerable.Range(0, 40).Select(i =>
            (i % 2 == 0 ? clientA : clientB).PostRawAsync(JsonSerializer.Serialize(new { type = "message", value = data, channelData = new { clientActivityID = $"press-{i}" } })));
        foreach (var response in await Task.WhenAll(presses))
        {
            response.EnsureSuccessStatusCode();
        }

        // Every press gets an answer (one executes, the others are told it is already done).
        await clientA.WaitForBotRepliesAsync(1 + 40);
        Assert.Equal(1, await db.CountAsync("SELECT count(*) FROM paper_orders"));
        Assert.Equal(1, await db.CountAsync("SELECT count(*) FROM audit_log WHERE action = 'plan.approved'"));
        Assert.Equal(40, await db.CountAsync("SELECT count(*) FROM inbox WHERE status = 'Done' AND event_id LIKE '%:press-%'"));
        var status = await db.ScalarAsync<string>("SELECT status FROM trade_plans");
        Assert.True(status is "Filled" or "Submitted", status);
    }
}
