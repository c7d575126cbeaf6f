using System.Text.Json;
using Bot.Tests.Support;

namespace Bot.Tests.Integration.Trading;

/// <summary>A plan through the web chat: the card, one click, the outcome in place of the buttons, a second click that changes nothing.</summary>
public class WebChatTradePlanTests(BotAppFactory app) : IClassFixture<BotAppFactory>
{
    private static JsonElement Card(JsonElement activity) =>
        activity.GetProperty("attachments")[0].GetProperty("content");

    [Fact]
    public async Task Buy_shows_a_card_approve_executes_once_and_the_card_turns_into_the_result()
    {
        var client = await DirectLineTestClient.StartAsync(app.CreateClient());
        await client.SendAsync("/buy 5 AAPL limit 190");
        var cardActivity = (await client.WaitForBotRepliesAsync(1))[0];
        Assert.Equal("application/vnd.microsoft.card.adaptive", cardActivity.GetProperty("attachments")[0].GetProperty("contentType").GetString());
        var card = Card(cardActivity);
        Assert.Equal("1.5", card.GetProperty("version").GetString());
        var approve = card.GetProperty("actions")[0];
        Assert.Equal("Approve", approve.GetProperty("title").GetString());

        // What Web Chat posts for Action.Submit (and Teams for the fallback): the action's data as the value.
        async Task PressAsync(string id) =>
            (await client.PostRawAsync(JsonSerializer.Serialize(new { type = "message", value = approve.GetProperty("data"), channelData = new { clientActivityID = id } }))).EnsureSuccessStatusCode();
        await PressAsync("approve-1");
        var replies = await Eventually.GetAsync(() => client.ActivitiesAsync(),
            all => all.Count(a => a.GetProperty("id").GetString() == cardActivity.GetProperty("id").GetString()) == 2, "the card to be replaced");
        var replaced = replies.Last(a => a.GetProperty("id").GetString() == cardActivity.GetProperty("id").GetString());
        Assert.False(Card(replaced).TryGetProperty("actions", out _));
        // The redrawn card says the outcome; no second message repeats it (the thread's history keeps its words).
        Assert.Contains("at the paper broker (paper, no real money)", Card(replaced).GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(replies, a => a.GetProperty("from").GetProperty("role").GetString() == "bot"
            && a.TryGetProperty("text", out var text) && text.GetString()?.Contains("paper", StringComparison.Ordinal) == true);
        Assert.Equal(1, await app.Database.CountAsync(
            "SELECT count(*) FROM thread_events WHERE role = 'assistant' AND content->>'text' LIKE '%at the paper broker (paper, no real money)%'"));
        Assert.Equal(cardActivity.GetProperty("timestamp").GetString(), replaced.GetProperty("timestamp").GetString());

        await PressAsync("approve-2");
        var again = await Eventually.GetAsync(client.BotRepliesAsync, r => r.Count(a => a.TryGetProperty("text", out _) && a.GetProperty("text").GetString()!.Contains("already", StringComparison.Ordinal)) == 1, "the second press to be answered");
        Assert.NotEmpty(again);
        Assert.Equal(1, await app.Database.CountAsync("SELECT count(*) FROM paper_orders"));
        Assert.Equal(1, await app.Database.CountAsync("SELECT count(*) FROM audit_log WHERE action = 'plan.approved'"));
    }

    [Fact]
    public async Task Malformed_orders_get_a_clear_answer_and_no_plan()
    {
        var client = await DirectLineTestClient.StartAsync(app.CreateClient());
        await client.SendAsync("/buy 5 AAPL");
        await client.SendAsync("/sell lots of MSFT");
        var replies = (await client.WaitForBotRepliesAsync(2)).Select(r => r.GetProperty("text").GetString()!).ToList();
        Assert.Contains("a price is needed", replies[0], StringComparison.Ordinal);
        Assert.Contains("could not read", replies[1], StringComparison.Ordinal);
        Assert.Equal(0, await app.Database.CountAsync("SELECT count(*) FROM trade_plans WHERE conversation_id IN (SELECT id FROM conversations WHERE address = $1)", client.ConversationId));
    }
}
