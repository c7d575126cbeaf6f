using System.Text.Json;
using Bot.Tests.Support;

namespace Bot.Tests.EndToEnd;

/// <summary>
/// A standing instruction through a real peer: the host process against <c>telegram-test-api</c>. An alert set in the
/// chat fires on the clustered scheduler with nobody writing, opens its own thread with a report and a plan card, and
/// the card's Approve executes once however often it is pressed; the alert does not fire again while the price stays across.
/// </summary>
public class StrategiesEndToEndTests
{
    private const string Token = "123456:TEST-token_for-strategies";
    private const long Chat = 4242;

    private static string Text(JsonElement message) => message.GetProperty("text").GetString() ?? string.Empty;

    private static IEnumerable<JsonElement> Buttons(JsonElement message) =>
        message.TryGetProperty("reply_markup", out var markup) && markup.ValueKind == JsonValueKind.Object && markup.TryGetProperty("inline_keyboard", out var rows)
            ? rows.EnumerateArray().SelectMany(r => r.EnumerateArray()).ToList()
            : [];

    [Fact]
    public async Task An_alert_fires_on_its_own_and_its_card_s_approve_executes_once()
    {
        await using var telegram = await TelegramTestServer.StartAsync();
        await using var db = await TestDatabase.CreateAsync();
        await using var host = await BotHostProcess.StartAsync(db.ConnectionString, new Dictionary<string, string>
        {
            ["Pipeline:LeaseSeconds"] = "2",
            ["Pipeline:PollSeconds"] = "0.2",
            ["Telegram:BotToken"] = Token,
            ["Telegram:ApiBaseUrl"] = telegram.ApiBaseUrl,
            ["Strategies:PaperAlwaysOpen"] = "true",
            ["Strategies:TickSeconds"] = "1",
            ["Strategies:AlertIntervalSeconds"] = "10",
            // The paper market's price for the scenario: already below the alert's threshold.
            ["PaperBroker:Prices:IBM"] = "175",
        });

        await telegram.SendCommandAsync(Token, Chat, "/alert IBM below 180 buy 3");
        var messages = await Eventually.GetAsync(() => telegram.BotMessagesAsync(Token, Chat),
            m => m.Any(x => Buttons(x.Message).Any(b => b.GetProperty("text").GetString() == "Approve")), "the alert's firing with its plan card", TimeSpan.FromSeconds(120));
        Assert.Contains("Set <b>Alert: IBM below 180.00, then buy 3</b>", Text(messages[0].Message), StringComparison.Ordinal);
        Assert.Contains(messages, m => Text(m.Message).Contains("IBM is at <b>175.00</b> now", StringComparison.Ordinal));
        var card = messages.Single(m => Buttons(m.Message).Any());
        Assert.Contains("IBM", Text(card.Message), StringComparison.Ordinal);
        Assert.Equal("Alert: IBM below 180.00, then buy 3",
            await db.ScalarAsync<string>("SELECT t.title FROM threads t JOIN inbox i ON i.thread_id = t.id WHERE i.event_id LIKE 'strategy:%'"));

        var approve = Buttons(card.Message).Single(b => b.GetProperty("text").GetString() == "Approve").GetProperty("callback_data").GetString()!;
        await telegram.SendCallbackAsync(Token, Chat, card.MessageId, approve);
        await Eventually.GetAsync(() => db.CountAsync("SELECT count(*) FROM paper_orders WHERE symbol = 'IBM' AND quantity = 3 AND status = 'Filled'"), n => n == 1, "the order to execute", TimeSpan.FromSeconds(90));
        await telegram.SendCallbackAsync(Token, Chat, card.MessageId, approve);

        // Evaluated again (the price still below): no second firing, and the second press sent nothing.
        await Eventually.GetAsync(() => db.CountAsync("SELECT count(*) FROM strategies WHERE last_eval_note LIKE '%already fired for this crossing%'"), n => n == 1,
            "a later evaluation of the fired alert", TimeSpan.FromSeconds(90));
        await Eventually.GetAsync(() => db.CountAsync("SELECT count(*) FROM inbox WHERE status = 'Pending'"), n => n == 0, "the pipeline to settle", TimeSpan.FromSeconds(60));
        Assert.Equal(1, await db.CountAsync("SELECT count(*) FROM inbox WHERE event_id LIKE 'strategy:%'"));
        Assert.Equal(1, await db.CountAsync("SELECT count(*) FROM paper_orders"));
        Assert.StartsWith("Proposed plan ", await db.ScalarAsync<string>("SELECT last_outcome FROM strategies"), StringComparison.Ordinal);
        Assert.DoesNotContain(Token, host.Output, StringComparison.Ordinal);
    }
}
