using System.Net.Http.Json;
using System.Text.Json;
using Bot.Tests.Support;

namespace Bot.Tests.EndToEnd;

/// <summary>
/// The real host process against <c>telegram-test-api</c> (a fake Bot API on 127.0.0.1, behind the normaliser that makes
/// it answer as the Bot API does): long polling, replies, a plan card's inline keyboard approved once, webhook delivery
/// deduplicated, and a crash between two updates.
/// </summary>
public class TelegramEndToEndTests
{
    private const string Token = "123456:TEST-token_for-e2e";
    private const long Chat = 42;

    private static Dictionary<string, string> Settings(TelegramTestServer telegram, params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string>
        {
            ["Pipeline:LeaseSeconds"] = "2",
            ["Pipeline:PollSeconds"] = "0.2",
            ["Telegram:BotToken"] = Token,
            ["Telegram:ApiBaseUrl"] = telegram.ApiBaseUrl,
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }
        return settings;
    }

    private static Task<IReadOnlyList<(long MessageId, JsonElement Message)>> WaitForMessagesAsync(TelegramTestServer telegram, int count, string what) =>
        Eventually.GetAsync(() => telegram.BotMessagesAsync(Token, Chat), m => m.Count >= count, what, TimeSpan.FromSeconds(90));

    private static string Text(JsonElement message) => message.GetProperty("text").GetString() ?? string.Empty;

    private static IEnumerable<JsonElement> Buttons(JsonElement message) =>
        message.TryGetProperty("reply_markup", out var markup) && markup.ValueKind == JsonValueKind.Object && markup.TryGetProperty("inline_keyboard", out var rows)
            ? rows.EnumerateArray().SelectMany(r => r.EnumerateArray()).ToList()
            : [];

    [Fact]
    public async Task A_chat_gets_its_reply_and_a_plan_is_approved_once_from_its_inline_keyboard()
    {
        await using var telegram = await TelegramTestServer.StartAsync();
        await using var db = await TestDatabase.CreateAsync();
        await using var host = await BotHostProcess.StartAsync(db.ConnectionString, Settings(telegram));

        await telegram.SendCommandAsync(Token, Chat, "/help");
        var first = await WaitForMessagesAsync(telegram, 1, "the reply to /help");
        Assert.Contains("What I can do", Text(first[0].Message), StringComparison.Ordinal);
        // Telegram.Bot writes "Html"; the Bot API reads parse_mode without regard to case.
        Assert.Equal("HTML", first[0].Message.GetProperty("parse_mode").GetString(), ignoreCase: true);
        // The command menu went out at start and conformed to setMyCommands in the spec (else the normaliser says 400).
        var setMyCommands = Assert.Single(telegram.Normaliser.AnsweredForTheFake, c => c.Method == "setMyCommands");
        Assert.Contains("\"command\":\"buy\"", setMyCommands.Request, StringComparison.Ordinal);

        await telegram.SendCommandAsync(Token, Chat, "/buy 5 AAPL limit 190");
        var withCard = await WaitForMessagesAsync(telegram, 2, "the plan card");
        var card = withCard[^1];
        var approve = Buttons(card.Message).Single(b => b.GetProperty("text").GetString() == "Approve").GetProperty("callback_data").GetString()!;
        // The generic card encoding: the button carries its action as a typed command would (c:/plan approve ID HASH).
        Assert.StartsWith("c:/plan approve ", approve, StringComparison.Ordinal);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(approve) <= 64);

        await telegram.SendCallbackAsync(Token, Chat, card.MessageId, approve);
        await Eventually.GetAsync(() => db.CountAsync("SELECT count(*) FROM paper_orders"), n => n == 1, "the order to execute", TimeSpan.FromSeconds(90));
        var edited = await Eventually.GetAsync(
            async () => (await telegram.BotMessagesAsync(Token, Chat)).Single(m => m.MessageId == card.MessageId).Message,
            m => !Buttons(m).Any() && !Text(m).Contains("Waiting for your approval", StringComparison.Ordinal), "the card to be edited in place", TimeSpan.FromSeconds(90));
        Assert.Contains("AAPL", Text(edited), StringComparison.Ordinal);

        var before = (await telegram.BotMessagesAsync(Token, Chat)).Count;
        await telegram.SendCallbackAsync(Token, Chat, card.MessageId, approve);
        await WaitForMessagesAsync(telegram, before + 1, "the answer to the second press");
        await Eventually.GetAsync(() => db.CountAsync("SELECT count(*) FROM inbox WHERE status = 'Pending'"), n => n == 0, "the pipeline to settle", TimeSpan.FromSeconds(60));
        Assert.Equal(1, await db.CountAsync("SELECT count(*) FROM paper_orders"));
        Assert.Equal(4, await db.CountAsync("SELECT count(*) FROM inbox WHERE channel = 'telegram'"));
        Assert.DoesNotContain(Token, host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Killed_between_two_updates_the_restarted_host_answers_each_once()
    {
        await using var telegram = await TelegramTestServer.StartAsync();
        await using var db = await TestDatabase.CreateAsync();
        await using (var host = await BotHostProcess.StartAsync(db.ConnectionString, Settings(telegram)))
        {
            await telegram.SendCommandAsync(Token, Chat, "/help");
            await WaitForMessagesAsync(telegram, 1, "the first reply");
            await Eventually.GetAsync(() => db.CountAsync("SELECT count(*) FROM channel_state WHERE key = 'telegram:offset'"), n => n == 1, "the offset to be stored");
            await host.KillAsync();
        }

        await telegram.SendCommandAsync(Token, Chat, "/threads");
        await using var restarted = await BotHostProcess.StartAsync(db.ConnectionString, Settings(telegram));
        await WaitForMessagesAsync(telegram, 2, "the reply to the update sent while the host was down");
        await Eventually.GetAsync(() => db.CountAsync("SELECT count(*) FROM outbox WHERE status = 'Pending'"), n => n == 0, "the outbox to settle", TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(3)); // a few more polls: nothing may be answered twice
        Assert.Equal(2, (await telegram.BotMessagesAsync(Token, Chat)).Count);
        Assert.Equal(2, await db.CountAsync("SELECT count(*) FROM inbox WHERE channel = 'telegram'"));
    }

    [Fact]
    public async Task Webhook_mode_checks_the_secret_records_before_answering_and_drops_a_repeated_update()
    {
        await using var telegram = await TelegramTestServer.StartAsync();
        await using var db = await TestDatabase.CreateAsync();
        var port = Ports.GetFree();
        const string secret = "webhook-secret_123";
        await using var host = await BotHostProcess.StartAsync(db.ConnectionString, Settings(telegram,
            ("Telegram:Mode", "webhook"), ("Telegram:WebhookSecret", secret), ("Telegram:WebhookUrl", $"http://127.0.0.1:{port}/telegram/webhook")), port);
        using var http = new HttpClient { BaseAddress = host.BaseUrl };
        var update = new
        {
            update_id = 5001,
            message = new { message_id = 9, from = TelegramTestServer.User(Chat), chat = TelegramTestServer.PrivateChat(Chat), date = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), text = "/help" },
        };

        using (var refused = await http.PostAsJsonAsync("/telegram/webhook", update))
        {
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
        }
        for (var i = 0; i < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/telegram/webhook") { Content = JsonContent.Create(update) };
            request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", secret);
            using var response = await http.SendAsync(request);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(1, await db.CountAsync("SELECT count(*) FROM inbox WHERE channel = 'telegram' AND event_id = 'update:5001'"));
        }
        await WaitForMessagesAsync(telegram, 1, "the reply");
        await Eventually.GetAsync(() => db.CountAsync("SELECT count(*) FROM outbox WHERE status = 'Pending'"), n => n == 0, "the outbox to settle", TimeSpan.FromSeconds(60));
        Assert.Single(await telegram.BotMessagesAsync(Token, Chat));

        // The fake's own webhook call (after the host's setWebhook), relayed with the secret header as Telegram sends it.
        await Eventually.GetAsync(() => Task.FromResult(host.Output.Contains("webhook mode", StringComparison.Ordinal)), started => started, "setWebhook to succeed");
        await telegram.SendCommandAsync(Token, Chat, "/threads");
        await WaitForMessagesAsync(telegram, 2, "the reply to an update the fake delivered by webhook");
        Assert.Equal(2, await db.CountAsync("SELECT count(*) FROM inbox WHERE channel = 'telegram'"));
    }

    [Fact]
    public async Task Webhook_mode_without_a_secret_stops_the_host_at_start_naming_the_setting_and_not_the_token()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (exit, output) = await BotHostProcess.RunExpectingExitAsync(db.ConnectionString, new Dictionary<string, string>
        {
            ["Telegram:BotToken"] = Token,
            ["Telegram:Mode"] = "webhook",
        });
        Assert.NotEqual(0, exit);
        Assert.Contains("Telegram:WebhookSecret", output, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, output, StringComparison.Ordinal);
    }
}
