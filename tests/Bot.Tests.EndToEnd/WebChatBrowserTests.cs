using System.Text.RegularExpressions;
using Bot.Tests.Support;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Bot.Tests.EndToEnd;

/// <summary>
/// The web chat page in Debian's Chromium, driven by Playwright, against the real host process on a real
/// PostgreSQL: Microsoft's Web Chat bundle talks to our Direct Line endpoint, and the sidebar to the threads API.
/// Assertions read what a person sees in the Web Chat transcript.
/// </summary>
public sealed partial class WebChatBrowserTests(ITestOutputHelper output)
{
    [GeneratedRegex("^I.m running without a language model")]
    private static partial Regex CommandsOnlyReply();

    [Fact]
    public async Task Threads_can_be_started_switched_and_restored_after_a_reload()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var host = await BotHostProcess.StartAsync(database.ConnectionString);
        await using var browser = await BrowserPage.OpenAsync(host);

        await browser.RunAsync(output, async page =>
        {
            await page.GotoAsync("/");
            var chat = new ChatPage(page);

            // A first visit opens an empty conversation: no threads yet, the draft is the open one.
            await Expect(page.GetByTestId("thread-draft")).ToBeVisibleAsync();
            await Expect(chat.Threads).ToHaveCountAsync(0);
            await Expect(chat.SendBox).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Upload file" })).ToHaveCountAsync(0);

            // First thread: free text, then a command.
            await chat.SendAsync("hello there");
            await Expect(chat.UserMessage("hello there")).ToBeVisibleAsync();
            await Expect(chat.Transcript.GetByText(CommandsOnlyReply())).ToBeVisibleAsync();
            await chat.SendAsync("/help");
            await Expect(chat.UserMessage("/help")).ToBeVisibleAsync();
            await Expect(chat.Transcript.GetByText("What I can do", new() { Exact = true })).ToBeVisibleAsync();

            // The sidebar picks the thread up, titled by its first message, and marks it open.
            var first = chat.Thread("hello there");
            await Expect(first).ToBeVisibleAsync();
            await Expect(first).ToHaveAttributeAsync("aria-current", "true");

            // A new thread starts empty.
            await chat.NewThread.ClickAsync();
            await Expect(page.GetByTestId("thread-draft")).ToBeVisibleAsync();
            await Expect(first).Not.ToHaveAttributeAsync("aria-current", "true");
            await Expect(chat.UserMessage("hello there")).ToHaveCountAsync(0);
            await Expect(chat.Transcript.GetByText("What I can do", new() { Exact = true })).ToHaveCountAsync(0);

            await chat.SendAsync("how is my budget");
            await Expect(chat.UserMessage("how is my budget")).ToBeVisibleAsync();
            await Expect(chat.Transcript.GetByText(CommandsOnlyReply())).ToHaveCountAsync(1);
            await Expect(chat.Thread("how is my budget")).ToHaveAttributeAsync("aria-current", "true");
            await Expect(chat.Threads).ToHaveCountAsync(2);
            await Expect(page.GetByTestId("thread-draft")).ToHaveCountAsync(0);

            // Back to the first thread: its earlier messages are replayed into Web Chat.
            await first.ClickAsync();
            await Expect(first).ToHaveAttributeAsync("aria-current", "true");
            await Expect(chat.UserMessage("hello there")).ToBeVisibleAsync();
            await Expect(chat.Transcript.GetByText("What I can do", new() { Exact = true })).ToBeVisibleAsync();
            await Expect(chat.UserMessage("how is my budget")).ToHaveCountAsync(0);

            // A reload restores the thread that was open last, with its whole history, once.
            await page.ReloadAsync();
            await Expect(first).ToHaveAttributeAsync("aria-current", "true");
            await Expect(page.GetByTestId("chat-title")).ToHaveTextAsync("hello there");
            await Expect(chat.UserMessage("hello there")).ToBeVisibleAsync();
            await Expect(chat.UserMessage("/help")).ToBeVisibleAsync();
            await Expect(chat.Transcript.GetByText("What I can do", new() { Exact = true })).ToBeVisibleAsync();
            await Expect(chat.Transcript.GetByText(CommandsOnlyReply())).ToHaveCountAsync(1);

            // Web Chat counts itself connected, and nothing was left unconfirmed by the server's echo.
            await Expect(page.GetByText("Connecting")).ToHaveCountAsync(0);
            await Expect(page.GetByText("Send failed")).ToHaveCountAsync(0);
        });
    }

    [Fact]
    public async Task A_plan_card_is_approved_with_one_click_and_then_shows_its_outcome()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var host = await BotHostProcess.StartAsync(database.ConnectionString);
        await using var browser = await BrowserPage.OpenAsync(host);

        await browser.RunAsync(output, async page =>
        {
            await page.GotoAsync("/");
            var chat = new ChatPage(page);
            await chat.SendAsync("/buy 5 AAPL limit 190");

            // The plan arrives as an Adaptive Card with its buttons.
            var approve = chat.Transcript.GetByRole(AriaRole.Button, new() { Name = "Approve" });
            await Expect(approve).ToBeVisibleAsync();
            await Expect(chat.Transcript.GetByText("Trade plan: buy 5 AAPL")).ToBeVisibleAsync();
            await Expect(chat.Transcript.GetByRole(AriaRole.Button, new() { Name = "Decline" })).ToBeVisibleAsync();

            await approve.ClickAsync();

            // The card turns into the outcome: no live buttons are left, and the order reached the paper broker once.
            await Expect(chat.Transcript.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToHaveCountAsync(0);
            await Expect(chat.Transcript.GetByText(new Regex("at the paper broker \\(paper, no real money\\)")).First).ToBeVisibleAsync();
            Assert.Equal(1, await database.CountAsync("SELECT count(*) FROM paper_orders"));

            // A second click, had it been possible, changes nothing: pressing the old button's action again by command.
            var plan = await database.ScalarAsync<string>("SELECT short_id || ' ' || snapshot_hash FROM trade_plans");
            await chat.SendAsync("/plan approve " + plan);
            await Expect(chat.Transcript.GetByRole(AriaRole.Paragraph).Filter(new() { HasTextRegex = new Regex("already approved") })).ToBeVisibleAsync();
            Assert.Equal(1, await database.CountAsync("SELECT count(*) FROM paper_orders"));
            // The card is the one record of the outcome: no second bubble repeats it.
            await Expect(chat.Transcript.GetByText(new Regex("at the paper broker \\(paper, no real money\\)"))).ToHaveCountAsync(1);
            await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "webchat-plan-card.png") });
        });
    }

    [Fact]
    public async Task A_thread_of_another_channel_shows_its_history_with_a_way_to_continue_it()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var host = await BotHostProcess.StartAsync(database.ConnectionString);
        await using var browser = await BrowserPage.OpenAsync(host);

        await browser.RunAsync(output, async page =>
        {
            await page.GotoAsync("/");
            var chat = new ChatPage(page);
            await chat.SendAsync("hello there");
            await Expect(chat.Transcript.GetByText(CommandsOnlyReply())).ToBeVisibleAsync();

            // No other channel runs on this host yet: write a Telegram thread of the same owner as a channel would.
            var seeded = await database.CountAsync(
                """
                WITH owner AS (
                    SELECT user_id FROM channel_identities WHERE channel = 'web' AND platform_user_id = 'owner'),
                conversation AS (
                    INSERT INTO conversations (id, channel, address, created_at)
                    VALUES (gen_random_uuid(), 'telegram', '424242', now()) RETURNING id),
                thread AS (
                    INSERT INTO threads (id, user_id, conversation_id, title, status, created_at, updated_at)
                    SELECT gen_random_uuid(), owner.user_id, conversation.id, 'Groceries in March', 'Active', now(), now()
                    FROM owner, conversation RETURNING id),
                events AS (
                    INSERT INTO thread_events (id, thread_id, role, content, created_at)
                    SELECT gen_random_uuid(), thread.id, e.role, e.content::jsonb, now() - make_interval(secs => 10 - e.n)
                    FROM thread, (VALUES
                        (0, 'user', '{"text": "What did I spend on groceries in March?"}'),
                        (1, 'assistant', '{"text": "You spent 212 EUR on groceries in March."}')) AS e (n, role, content)
                    RETURNING 1)
                SELECT count(*) FROM events
                """);
            Assert.Equal(2, seeded);

            // The sidebar's periodic refresh brings it in, marked with its channel.
            var telegram = chat.Thread("Groceries in March");
            await Expect(telegram).ToBeVisibleAsync();
            await Expect(telegram).ToContainTextAsync("Telegram");

            await telegram.ClickAsync();
            await Expect(telegram).ToHaveAttributeAsync("aria-current", "true");
            var history = page.GetByTestId("history");
            await Expect(history).ToBeVisibleAsync();
            await Expect(history.GetByText("What did I spend on groceries in March?")).ToBeVisibleAsync();
            await Expect(history.GetByText("You spent 212 EUR on groceries in March.")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("history-note")).ToContainTextAsync("began in Telegram");
            await Expect(page.GetByTestId("chat-channel")).ToHaveTextAsync("Telegram");
            // Read until the person chooses to continue it here (which the threads API's Direct Line binding allows).
            await Expect(chat.SendBox).ToBeHiddenAsync();
            await Expect(page.GetByTestId("continue-here")).ToBeVisibleAsync();

            // The web thread opens in Web Chat again.
            await chat.Thread("hello there").ClickAsync();
            await Expect(history).ToBeHiddenAsync();
            await Expect(chat.UserMessage("hello there")).ToBeVisibleAsync();
            await Expect(chat.SendBox).ToBeVisibleAsync();
        });
    }

    [Fact]
    public async Task Without_the_Web_Chat_bundle_the_page_says_so_and_still_shows_history()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var host = await BotHostProcess.StartAsync(database.ConnectionString);

        // A web thread, started over Direct Line the way any client would.
        using (var http = new HttpClient { BaseAddress = host.BaseUrl })
        {
            var started = await http.PostAsync(new Uri("/v3/directline/conversations", UriKind.Relative), null);
            Assert.Equal(System.Net.HttpStatusCode.Created, started.StatusCode);
            using var conversation = System.Text.Json.JsonDocument.Parse(await started.Content.ReadAsStringAsync());
            var id = conversation.RootElement.GetProperty("conversationId").GetString();
            using var post = new HttpRequestMessage(HttpMethod.Post, new Uri($"/v3/directline/conversations/{id}/activities", UriKind.Relative))
            {
                Content = new StringContent("""{"type":"message","from":{"id":"someone"},"text":"hello there"}""", System.Text.Encoding.UTF8, "application/json"),
            };
            post.Headers.Authorization = new("Bearer", conversation.RootElement.GetProperty("token").GetString());
            (await http.SendAsync(post)).EnsureSuccessStatusCode();
        }

        await using var browser = await BrowserPage.OpenAsync(host);
        await browser.RunAsync(output, async page =>
        {
            await page.RouteAsync("**/lib/webchat.js", route => route.FulfillAsync(new() { Status = 404, Body = "missing" }));
            await page.GotoAsync("/");
            var chat = new ChatPage(page);

            await Expect(page.GetByTestId("webchat-missing")).ToContainTextAsync("did not load");
            await Expect(chat.NewThread).ToBeDisabledAsync();

            // Reading still works: the thread opens read-only, and the bot's answer appears when it is written.
            await chat.Thread("hello there").ClickAsync();
            var history = page.GetByTestId("history");
            await Expect(history.GetByText("hello there", new() { Exact = true })).ToBeVisibleAsync();
            await Expect(history.GetByText(CommandsOnlyReply())).ToBeVisibleAsync();
            await Expect(page.GetByTestId("history-note")).ToContainTextAsync("read-only");
        });
    }

    /// <summary>What a person sees and uses on the page.</summary>
    private sealed class ChatPage(IPage page)
    {
        // The transcript's feed of activities (its live region for screen readers repeats the text; it is left out).
        public ILocator Transcript { get; } = page.GetByRole(AriaRole.Group, new() { Name = "Chat history" }).GetByRole(AriaRole.Feed);

        public ILocator SendBox { get; } = page.GetByRole(AriaRole.Textbox, new() { Name = "Message input box" });

        public ILocator NewThread { get; } = page.GetByRole(AriaRole.Button, new() { Name = "New thread" });

        public ILocator Threads { get; } = page.GetByTestId("thread-list").GetByTestId("thread-item");

        public ILocator Thread(string title) => Threads.Filter(new() { HasText = title });

        /// <summary>A message the user sent, as its bubble shows it (a mention inside a reply does not count).</summary>
        public ILocator UserMessage(string text) =>
            Transcript.GetByRole(AriaRole.Paragraph).Filter(new() { HasTextRegex = new Regex("^" + Regex.Escape(text) + "$") });

        /// <summary>Web Chat's connectivity status, which it gives screen readers.</summary>
        public ILocator Connected { get; } = page.GetByTestId("webchat").GetByText("Connectivity Status: Connected", new() { Exact = true });

        public async Task SendAsync(string text)
        {
            // Web Chat ignores Enter until it is connected (the text stays in the box): wait for it, as a person would.
            await Expect(Connected).ToBeAttachedAsync();
            await SendBox.FillAsync(text);
            await SendBox.PressAsync("Enter");
            await Expect(SendBox).ToHaveValueAsync(string.Empty);
        }
    }

    /// <summary>Debian's Chromium with one page on the host; collects what a failure report needs.</summary>
    private sealed class BrowserPage : IAsyncDisposable
    {
        // Generous: they bound a hang, they are not performance claims.
        private const float Timeout = 30_000;

        private static readonly string[] ChromiumArgs =
        [
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic",
        ];

        private readonly IPlaywright playwright;
        private readonly IBrowser browser;
        private readonly BotHostProcess host;
        private readonly List<string> pageErrors = [];
        private readonly List<string> console = [];
        private readonly List<string> offHost = [];

        private BrowserPage(IPlaywright playwright, IBrowser browser, IPage page, BotHostProcess host)
        {
            this.playwright = playwright;
            this.browser = browser;
            this.host = host;
            Page = page;
        }

        public IPage Page { get; }

        /// <summary>A page on <paramref name="host"/>; it may also reach <paramref name="peers"/> (loopback servers the test started).</summary>
        public static async Task<BrowserPage> OpenAsync(BotHostProcess host, params Uri[] peers)
        {
            var playwright = await Playwright.CreateAsync();
            IBrowser? browser = null;
            try
            {
                browser = await playwright.Chromium.LaunchAsync(new()
                {
                    ExecutablePath = "/usr/bin/chromium",
                    Headless = true,
                    Args = ChromiumArgs,
                });
                var context = await browser.NewContextAsync(new()
                {
                    BaseURL = host.BaseUrl.ToString(),
                    ViewportSize = new() { Width = 1200, Height = 800 },
                    Locale = "en-US",
                });
                context.SetDefaultTimeout(Timeout);
                SetDefaultExpectTimeout(Timeout);
                var session = new BrowserPage(playwright, browser, await context.NewPageAsync(), host);

                // Nothing may leave the machine: the page loads its scripts and styles from the host alone (and goes only
                // to the peers the test named).
                var origins = peers.Prepend(host.BaseUrl).Select(u => u.GetLeftPart(UriPartial.Authority) + "/").ToArray();
                await context.RouteAsync(url => !origins.Any(o => url.StartsWith(o, StringComparison.Ordinal)), async route =>
                {
                    session.Add(session.offHost, route.Request.Url);
                    await route.AbortAsync();
                });
                session.Page.PageError += (_, error) => session.Add(session.pageErrors, error);
                session.Page.Console += (_, message) => session.Add(session.console, $"[{message.Type}] {message.Text}");
                return session;
            }
            catch
            {
                if (browser is not null)
                {
                    await browser.DisposeAsync();
                }
                playwright.Dispose();
                throw;
            }
        }

        /// <summary>Runs a scenario; afterwards the page must have thrown nothing and reached no other host.</summary>
        public async Task RunAsync(ITestOutputHelper output, Func<IPage, Task> scenario)
        {
            try
            {
                await scenario(Page);
                lock (pageErrors)
                {
                    Assert.True(pageErrors.Count == 0, "Uncaught errors in the page:\n" + string.Join('\n', pageErrors));
                }
                lock (offHost)
                {
                    Assert.True(offHost.Count == 0, "The page tried to reach other hosts:\n" + string.Join('\n', offHost));
                }
                var screenshot = Path.Combine(Path.GetTempPath(), $"webchat-browser-{Guid.NewGuid():N}.png");
                await Page.ScreenshotAsync(new() { Path = screenshot });
                output.WriteLine("Screenshot: " + screenshot);
            }
            catch
            {
                await ReportFailureAsync(output);
                throw;
            }
        }

        private async Task ReportFailureAsync(ITestOutputHelper output)
        {
            try
            {
                var screenshot = Path.Combine(Path.GetTempPath(), $"webchat-browser-failure-{Guid.NewGuid():N}.png");
                await Page.ScreenshotAsync(new() { Path = screenshot, Timeout = 5_000 });
                output.WriteLine("Screenshot of the failure: " + screenshot);
                output.WriteLine("Page text:\n" + await Page.Locator("body").InnerTextAsync(new() { Timeout = 2_000 }));
            }
            catch (PlaywrightException)
            {
            }
            lock (console)
            {
                output.WriteLine("Browser console:\n" + string.Join('\n', console));
            }
            output.WriteLine("Host output:\n" + host.Output);
        }

        private void Add(List<string> list, string entry)
        {
            lock (list)
            {
                list.Add(entry);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await browser.DisposeAsync(); // closes its contexts and pages
            playwright.Dispose();
        }
    }
}
