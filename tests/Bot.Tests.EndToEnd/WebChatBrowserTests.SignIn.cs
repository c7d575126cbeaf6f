using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Bot.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bot.Tests.EndToEnd;

/// <summary>Signing in to the web app with a link that <c>/web</c> sent, in Chromium, and out again.</summary>
public sealed partial class WebChatBrowserTests
{
    private const string AccessKey = "browser-sign-in-access-key";

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+/signin\?t=[A-Za-z0-9_-]{43}")]
    private static partial Regex SignInLink();

    [Fact]
    public async Task A_web_link_signs_the_person_in_to_their_threads_and_sign_out_ends_it()
    {
        await using var database = await TestDatabase.CreateAsync();
        var port = Ports.GetFree();
        await using var host = await BotHostProcess.StartAsync(database.ConnectionString, new Dictionary<string, string>
        {
            // With a key, this machine's browser is nobody until it signs in.
            ["Web__AccessKey"] = AccessKey,
            ["Web__PublicBaseUrl"] = $"http://127.0.0.1:{port}",
        }, port);

        // Ada chats (as the web chat's owner, with the key) and asks for a link, as she would from any chat.
        var link = await AskForWebLinkAsync(host.BaseUrl);
        var token = link[(link.IndexOf("?t=", StringComparison.Ordinal) + 3)..];

        await using var browser = await BrowserPage.OpenAsync(host);
        await browser.RunAsync(output, async page =>
        {
            // Without a session the app is closed.
            var closed = await page.GotoAsync("/");
            Assert.Equal(401, closed!.Status);

            // The link shows a confirmation; its button signs in and lands on the app.
            await page.GotoAsync(new Uri(link).PathAndQuery);
            await Expect(page.GetByTestId("signin-who")).ToContainTextAsync("as Ada");
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await page.WaitForURLAsync(new Regex("/$"));

            var chat = new ChatPage(page);
            await Expect(page.GetByTestId("session-who")).ToHaveTextAsync("Signed in as Ada");
            await Expect(chat.Thread("hello from the chat")).ToBeVisibleAsync(); // her thread from before

            await chat.SendAsync("hello from the browser");
            await Expect(chat.UserMessage("hello from the browser")).ToBeVisibleAsync();
            await Expect(chat.Transcript.GetByText(CommandsOnlyReply())).ToBeVisibleAsync();
            await Expect(chat.Thread("hello from the browser")).ToBeVisibleAsync();

            var cookie = (await page.Context.CookiesAsync()).Single(c => c.Name == "bot_session");
            Assert.True(cookie.HttpOnly);
            Assert.Equal(SameSiteAttribute.Lax, cookie.SameSite);

            // Sign out: the page says how to sign in again, and the app is closed once more.
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign out", Exact = true }).ClickAsync();
            await page.WaitForURLAsync(new Regex("/signin$"));
            await Expect(page.GetByTestId("signin-message")).ToContainTextAsync("send /web");
            Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "bot_session");
            var after = await page.GotoAsync("/");
            Assert.Equal(401, after!.Status);

            // The browser's message is Ada's, in a thread of hers; no session is left; no secret reached the log.
            Assert.Equal(1, await database.CountAsync(
                """
                SELECT count(*) FROM thread_events e JOIN threads t ON t.id = e.thread_id
                JOIN channel_identities i ON i.user_id = t.user_id AND i.channel = 'web' AND i.platform_user_id = 'owner'
                WHERE e.content->>'text' = 'hello from the browser'
                """));
            Assert.Equal(0, await database.CountAsync("SELECT count(*) FROM web_sessions"));
            Assert.DoesNotContain(token, host.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(cookie.Value, host.Output, StringComparison.Ordinal);
        });
    }

    /// <summary>Ada writes in the web chat with the access key, then sends /web; the link is read from the bot's reply.</summary>
    private static async Task<string> AskForWebLinkAsync(Uri baseUrl)
    {
        using var http = new HttpClient { BaseAddress = baseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AccessKey);
        using var started = await http.PostAsync(new Uri("/v3/directline/conversations", UriKind.Relative), null);
        Assert.Equal(System.Net.HttpStatusCode.Created, started.StatusCode);
        using var conversation = JsonDocument.Parse(await started.Content.ReadAsStringAsync());
        var id = conversation.RootElement.GetProperty("conversationId").GetString();
        var token = conversation.RootElement.GetProperty("token").GetString();
        foreach (var text in new[] { "hello from the chat", "/web" })
        {
            using var post = new HttpRequestMessage(HttpMethod.Post, new Uri($"/v3/directline/conversations/{id}/activities", UriKind.Relative))
            {
                Content = new StringContent(JsonSerializer.Serialize(new { type = "message", from = new { id = "ada", name = "Ada" }, text }), Encoding.UTF8, "application/json"),
            };
            post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            (await http.SendAsync(post)).EnsureSuccessStatusCode();
        }
        return await Eventually.GetAsync(async () =>
        {
            using var read = new HttpRequestMessage(HttpMethod.Get, new Uri($"/v3/directline/conversations/{id}/activities", UriKind.Relative));
            read.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(read);
            return SignInLink().Match(await response.Content.ReadAsStringAsync()).Value;
        }, link => link.Length > 0, "the /web reply with its link");
    }
}
