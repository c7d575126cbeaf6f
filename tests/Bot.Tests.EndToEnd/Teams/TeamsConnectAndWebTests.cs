using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bot.Tests.Support;

namespace Bot.Tests.EndToEnd.Teams;

/// <summary>
/// One person across Microsoft's Teams playground and telegram-test-api, through the real host process: <c>/connect</c>
/// in the Teams personal chat gives a code, <c>/connect CODE</c> from Telegram joins the accounts, then <c>/web</c> in
/// Teams gives a one-time link that signs a browser in as that person, who can read the thread that began in Telegram;
/// the same link opened again is refused, and a <c>/web</c> link from Telegram signs in the same person.
/// </summary>
public sealed partial class TeamsConnectAndWebTests
{
    private const string Token = "123456:TEST-token_for-teams-connect";
    private const long Chat = 5151;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Connect_from_Teams_to_Telegram_then_web_links_from_both_sign_in_the_one_person()
    {
        await using var telegram = await TelegramTestServer.StartAsync();
        await using var database = await TestDatabase.CreateAsync();
        var botPort = Ports.GetFree();
        await using var playground = await TeamsPlayground.StartAsync(botPort);
        await using var host = await BotHostProcess.StartAsync(database.ConnectionString, new Dictionary<string, string>
        {
            ["Pipeline:PollSeconds"] = "0.2",
            ["Teams:Enabled"] = "true",
            ["Telegram:BotToken"] = Token,
            ["Telegram:ApiBaseUrl"] = telegram.ApiBaseUrl,
            ["Web__PublicBaseUrl"] = $"http://127.0.0.1:{botPort}",
        }, botPort);
        string Context() => $"\nframes: {string.Join("\n", playground.Frames.Select(f => f.ToJsonString()))}\nhost:\n{host.Output}";

        // Telegram first, so there is a Telegram thread to find on the web later.
        await telegram.SendMessageAsync(Token, Chat, "hello from Telegram");
        await Eventually.GetAsync(() => telegram.BotMessagesAsync(Token, Chat), m => m.Count >= 1, "the answer to the Telegram greeting", Wait);

        // /connect in the Teams personal chat.
        await playground.SendAsync("/connect");
        var offer = await TeamsReplyAsync(playground, t => Code().IsMatch(t), "the /connect offer", Context);
        Assert.Contains("Connected now: `teams` (this one).", offer, StringComparison.Ordinal);
        var code = Code().Match(offer).Value;
        Assert.Contains($"/connect {code}", offer, StringComparison.Ordinal);

        // The code sent from Telegram joins the two accounts.
        await telegram.SendCommandAsync(Token, Chat, "/connect " + code);
        var joined = await Eventually.GetAsync(() => telegram.BotMessagesAsync(Token, Chat), m => m.Count >= 2, "the answer to /connect CODE", Wait);
        var answer = joined[1].Message.GetProperty("text").GetString()!;
        Assert.StartsWith("Connected: your accounts are one person now.", answer, StringComparison.Ordinal);
        Assert.Contains("teams", answer, StringComparison.Ordinal);
        var person = await database.ScalarAsync<Guid>("SELECT user_id FROM channel_identities WHERE channel = 'telegram'");
        Assert.Equal(person, await database.ScalarAsync<Guid>("SELECT user_id FROM channel_identities WHERE channel = 'teams'"));
        Assert.Equal(1, await database.CountAsync("SELECT count(*) FROM users"));

        // /web in Teams: a one-time link that signs a browser in as the person, who reads the Telegram thread.
        await playground.SendAsync("/web");
        var teamsLink = SignInLink().Match(await TeamsReplyAsync(playground, t => SignInLink().IsMatch(t), "the /web link in Teams", Context)).Value;
        var browser = new CookieBrowser(host.BaseUrl);
        Assert.Equal(HttpStatusCode.SeeOther, await browser.SignInAsync(teamsLink));
        using (var session = JsonDocument.Parse(await browser.GetStringAsync("/api/session")))
        {
            Assert.Equal("person", session.RootElement.GetProperty("kind").GetString());
            Assert.Equal(person, session.RootElement.GetProperty("userId").GetGuid());
        }
        var telegramThread = await database.ScalarAsync<Guid>("SELECT t.id FROM threads t JOIN conversations c ON c.id = t.conversation_id WHERE c.channel = 'telegram' ORDER BY t.created_at LIMIT 1");
        var history = await browser.GetStringAsync($"/api/threads/{telegramThread}/events");
        Assert.Contains("hello from Telegram", history, StringComparison.Ordinal);

        // The same link a second time signs nobody in.
        var again = new CookieBrowser(host.BaseUrl);
        Assert.Equal(HttpStatusCode.Gone, await again.SignInAsync(teamsLink, expectForm: false));
        // (On loopback an anonymous browser is the box's owner, who is not this person.)
        Assert.Equal(HttpStatusCode.NotFound, await again.StatusAsync($"/api/threads/{telegramThread}/events"));

        // /web from Telegram, in the private chat, signs in the same person too.
        await telegram.SendCommandAsync(Token, Chat, "/web");
        var fromTelegram = await Eventually.GetAsync(async () =>
            (await telegram.BotMessagesAsync(Token, Chat)).Select(m => SignInLink().Match(m.Message.GetProperty("text").GetString() ?? "").Value).LastOrDefault(l => l.Length > 0),
            l => l is not null, "the /web link in Telegram", Wait);
        Assert.NotEqual(teamsLink, fromTelegram);
        var second = new CookieBrowser(host.BaseUrl);
        Assert.Equal(HttpStatusCode.SeeOther, await second.SignInAsync(fromTelegram!));
        using (var session = JsonDocument.Parse(await second.GetStringAsync("/api/session")))
        {
            Assert.Equal(person, session.RootElement.GetProperty("userId").GetGuid());
        }

        // Neither the code nor a link's token reached the log.
        Assert.DoesNotContain(code, host.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(teamsLink[(teamsLink.IndexOf("?t=", StringComparison.Ordinal) + 3)..], host.Output, StringComparison.Ordinal);
    }

    private static async Task<string> TeamsReplyAsync(TeamsPlayground playground, Func<string, bool> match, string what, Func<string> context)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (DateTime.UtcNow < deadline)
        {
            var text = playground.BotMessages().Select(m => m["text"]?.GetValue<string>()).LastOrDefault(t => t is not null && match(t));
            if (text is not null)
            {
                return text;
            }
            await Task.Delay(100);
        }
        Assert.Fail($"timed out waiting for {what}{context()}");
        return string.Empty;
    }

    [GeneratedRegex("[0-9A-Z]{5}-[0-9A-Z]{5}")]
    private static partial Regex Code();

    [GeneratedRegex(@"http://127\.0\.0\.1:[0-9]+/signin\?t=[A-Za-z0-9_-]{43}")]
    private static partial Regex SignInLink();

    /// <summary>A browser without JavaScript: a cookie jar, no automatic redirects, and the sign-in page's form.</summary>
    private sealed partial class CookieBrowser(Uri baseUrl)
    {
        private readonly HttpClient http = new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = baseUrl };

        /// <summary>Opens the link (the confirmation page) and presses its button; returns the button's status.</summary>
        public async Task<HttpStatusCode> SignInAsync(string link, bool expectForm = true)
        {
            using var page = await http.GetAsync(new Uri(link).PathAndQuery);
            var html = await page.Content.ReadAsStringAsync();
            var action = FormAction().Match(html);
            if (!action.Success)
            {
                Assert.False(expectForm, $"the sign-in page ({(int)page.StatusCode}) has no form: {html}");
                return page.StatusCode;
            }
            var fields = HiddenField().Matches(html).ToDictionary(m => WebUtility.HtmlDecode(m.Groups[1].Value), m => WebUtility.HtmlDecode(m.Groups[2].Value));
            using var posted = await http.PostAsync(WebUtility.HtmlDecode(action.Groups[1].Value), new FormUrlEncodedContent(fields));
            return posted.StatusCode;
        }

        public Task<string> GetStringAsync(string path) => http.GetStringAsync(path);

        public async Task<HttpStatusCode> StatusAsync(string path)
        {
            using var response = await http.GetAsync(path);
            return response.StatusCode;
        }

        [GeneratedRegex("<form method=\"post\" action=\"([^\"]+)\"")]
        private static partial Regex FormAction();

        [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\"")]
        private static partial Regex HiddenField();
    }
}
