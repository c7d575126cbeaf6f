using System.Text.Json;
using System.Text.RegularExpressions;
using Bot.Tests.Support;

namespace Bot.Tests.EndToEnd;

/// <summary>
/// One person across two real peers: <c>/connect</c> in the web chat (Direct Line, the host process's own page API) gives
/// a code; <c>/connect CODE</c> from Telegram (telegram-test-api) joins the accounts; then <c>/threads</c> from Telegram
/// lists the web chat's thread, and the web chat's thread belongs to the Telegram account's user.
/// </summary>
public partial class ConnectedIdentitiesEndToEndTests
{
    private const string Token = "123456:TEST-token_for-connect";
    private const long Chat = 4242;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_code_from_the_web_chat_sent_from_Telegram_makes_one_person_whose_threads_Telegram_lists()
    {
        await using var telegram = await TelegramTestServer.StartAsync();
        await using var db = await TestDatabase.CreateAsync();
        await using var host = await BotHostProcess.StartAsync(db.ConnectionString, new Dictionary<string, string>
        {
            ["Pipeline:PollSeconds"] = "0.2",
            ["Telegram:BotToken"] = Token,
            ["Telegram:ApiBaseUrl"] = telegram.ApiBaseUrl,
        });
        using var http = new HttpClient { BaseAddress = host.BaseUrl };
        var web = await DirectLineTestClient.StartAsync(http);

        await web.SendAsync("/connect");
        var offer = (await web.WaitForBotRepliesAsync(1))[0].GetProperty("text").GetString()!;
        Assert.Contains("Connected now: `web` (this one).", offer, StringComparison.Ordinal);
        var code = Code().Match(offer);
        Assert.True(code.Success, "no code in the web chat's answer: " + offer);
        Assert.Contains($"`/connect {code.Value}`", offer, StringComparison.Ordinal);

        await telegram.SendCommandAsync(Token, Chat, "/connect " + code.Value);
        var joined = await Eventually.GetAsync(() => telegram.BotMessagesAsync(Token, Chat), m => m.Count >= 1, "the answer to /connect CODE", Patience);
        var answer = Text(joined[0].Message);
        Assert.StartsWith("Connected: your accounts are one person now.", answer, StringComparison.Ordinal);
        Assert.Contains("web", answer, StringComparison.Ordinal);

        await telegram.SendCommandAsync(Token, Chat, "/threads");
        var listed = await Eventually.GetAsync(() => telegram.BotMessagesAsync(Token, Chat), m => m.Count >= 2, "the answer to /threads", Patience);
        var threads = Text(listed[1].Message);
        Assert.Contains("· web ·", threads, StringComparison.Ordinal);
        Assert.Contains("· telegram ·", threads, StringComparison.Ordinal);

        var person = await db.ScalarAsync<Guid>("SELECT user_id FROM channel_identities WHERE channel = 'telegram'");
        Assert.Equal(person, await db.ScalarAsync<Guid>("SELECT user_id FROM channel_identities WHERE channel = 'web'"));
        Assert.Equal(0, await db.CountAsync("SELECT count(*) FROM threads WHERE user_id <> $1", person));
        Assert.Equal(1, await db.CountAsync("SELECT count(*) FROM users"));
        // The code went to the person, never to the log.
        Assert.DoesNotContain(code.Value, host.Output, StringComparison.Ordinal);
    }

    private static string Text(JsonElement message) => message.GetProperty("text").GetString() ?? string.Empty;

    [GeneratedRegex("[0-9A-Z]{5}-[0-9A-Z]{5}")]
    private static partial Regex Code();
}
