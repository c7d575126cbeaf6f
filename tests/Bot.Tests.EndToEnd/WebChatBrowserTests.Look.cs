using System.Text.RegularExpressions;
using Bot.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bot.Tests.EndToEnd;

/// <summary>
/// How the page looks and reads, as a person meets it: the welcome, a phone-sized screen, the system's dark scheme, the
/// favicon, and replies whose lines stay apart. Screenshots at 1280 px and 375 px are saved under the test output
/// (<see cref="ScreenshotFolder"/>) as the run's artifacts.
/// </summary>
public sealed partial class WebChatBrowserTests
{
    /// <summary>bin/.../artifacts/screenshots beside the test assembly.</summary>
    public static string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "artifacts", "screenshots");

    private async Task SaveScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        var path = Path.Combine(ScreenshotFolder, name + ".png");
        await page.ScreenshotAsync(new() { Path = path });
        Assert.True(new FileInfo(path).Length > 1000, "an empty screenshot: " + path);
        output.WriteLine("Screenshot: " + path);
    }

    [Fact]
    public async Task A_new_person_is_welcomed_and_the_page_works_at_375_px_and_in_the_dark()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var host = await BotHostProcess.StartAsync(database.ConnectionString);
        await using var browser = await BrowserPage.OpenAsync(host);

        await browser.RunAsync(output, async page =>
        {
            var missing = new List<string>();
            page.Response += (_, response) =>
            {
                if (response.Status == 404 && !response.Url.Contains("/api/threads/schedules", StringComparison.Ordinal))
                {
                    lock (missing)
                    {
                        missing.Add(response.Url);
                    }
                }
            };
            await page.SetViewportSizeAsync(1280, 800);
            await page.GotoAsync("/");
            var chat = new ChatPage(page);

            // The favicon is there (the page's and the one browsers ask for by default).
            foreach (var icon in new[] { "/favicon.svg", "/favicon.ico" })
            {
                var response = await page.APIRequest.GetAsync(icon);
                Assert.Equal(200, response.Status);
                Assert.StartsWith("image/", response.Headers["content-type"], StringComparison.Ordinal);
            }

            // An empty thread says what to try; a suggestion is sent as if typed, and the welcome gives way to the chat.
            var welcome = page.GetByTestId("welcome");
            await Expect(welcome).ToBeVisibleAsync();
            await Expect(welcome.GetByTestId("suggestion")).Not.ToHaveCountAsync(0);
            await Expect(chat.Connected).ToBeAttachedAsync();
            await SaveScreenshotAsync(page, "welcome-1280");
            await welcome.GetByTestId("suggestion").Filter(new() { HasText = "/help" }).ClickAsync();
            await Expect(chat.UserMessage("/help")).ToBeVisibleAsync();
            await Expect(chat.Transcript.GetByText("What I can do", new() { Exact = true })).ToBeVisibleAsync();
            await Expect(welcome).ToBeHiddenAsync();
            await chat.SendAsync("/portfolio");
            await Expect(chat.Transcript.GetByText(new Regex("^Total \\$"))).ToBeVisibleAsync();
            await Expect(chat.Threads).ToHaveCountAsync(1);
            var thread = chat.Threads.First;
            await Expect(thread).ToBeVisibleAsync();
            await Expect(thread.Locator("time")).ToBeVisibleAsync();
            await SaveScreenshotAsync(page, "thread-1280");

            // The wide layout's sidebar can be collapsed and brought back.
            var sidebar = page.GetByTestId("sidebar");
            var toggle = page.GetByTestId("sidebar-toggle");
            await toggle.ClickAsync();
            await Expect(sidebar).ToBeHiddenAsync();
            await toggle.ClickAsync();
            await Expect(sidebar).ToBeVisibleAsync();

            // 375 px: the chat has the whole width; the thread list is a drawer that opens over it and closes on a choice.
            await page.SetViewportSizeAsync(375, 740);
            await Expect(sidebar).Not.ToBeInViewportAsync();
            await Expect(chat.SendBox).ToBeInViewportAsync();
            var box = await page.GetByTestId("webchat").BoundingBoxAsync();
            Assert.True(box is { Width: >= 370 }, $"the chat is {box?.Width} px wide at 375 px");
            await SaveScreenshotAsync(page, "thread-375");
            await toggle.ClickAsync();
            await Expect(sidebar).ToBeInViewportAsync(new() { Ratio = 1 });
            await Expect(thread).ToBeInViewportAsync(new() { Ratio = 1 }); // a whole entry, not one cut mid-item
            await SaveScreenshotAsync(page, "threads-375");
            await thread.ClickAsync();
            await Expect(sidebar).Not.ToBeInViewportAsync();
            await page.Keyboard.PressAsync("Escape");

            // The system's dark scheme darkens the page and Web Chat alike.
            await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
            await page.SetViewportSizeAsync(1280, 800);
            await Expect(page.Locator("body")).ToHaveCSSAsync("background-color", "rgb(13, 17, 23)");
            await page.ReloadAsync();
            await Expect(chat.UserMessage("/help")).ToBeVisibleAsync();
            Assert.True(await page.EvaluateAsync<bool>(
                "() => [...document.querySelectorAll('[data-testid=webchat] *')].some(e => getComputedStyle(e).backgroundColor === 'rgb(13, 17, 23)')"),
                "Web Chat keeps a light background in the dark scheme");
            await SaveScreenshotAsync(page, "thread-1280-dark");
            await page.SetViewportSizeAsync(375, 740);
            await SaveScreenshotAsync(page, "thread-375-dark");

            lock (missing)
            {
                Assert.True(missing.Count == 0, "404s: " + string.Join(", ", missing));
            }
        });
    }

    [Fact]
    public async Task Replies_keep_their_lines_apart_and_unknown_symbols_are_refused()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var host = await BotHostProcess.StartAsync(database.ConnectionString);
        await using var browser = await BrowserPage.OpenAsync(host);

        await browser.RunAsync(output, async page =>
        {
            await page.GotoAsync("/");
            var chat = new ChatPage(page);

            // The portfolio's total is a paragraph of its own, not the end of the last holding's line.
            await chat.SendAsync("/portfolio");
            var total = chat.Transcript.GetByRole(AriaRole.Paragraph).Filter(new() { HasTextRegex = new Regex("^Total \\$[0-9,.]+$") });
            await Expect(total).ToBeVisibleAsync();
            await Expect(chat.Transcript.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "Total $" })).ToHaveCountAsync(0);
            // The lines under the heading stay lines (Web Chat would join them into one).
            var brokerage = chat.Transcript.GetByRole(AriaRole.Paragraph).Filter(new() { HasText = "Brokerage" });
            Assert.Contains("\n", await brokerage.InnerTextAsync(), StringComparison.Ordinal);

            // /schedules: each schedule's state is on a line of its own under its title.
            await chat.SendAsync("/schedule daily 18:30 Evening balances: /balances");
            await Expect(chat.Transcript.GetByText(new Regex("Evening balances")).First).ToBeVisibleAsync();
            await chat.SendAsync("/schedules");
            var item = chat.Transcript.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "Evening balances" }).Last;
            await Expect(item).ToBeVisibleAsync();
            Assert.Matches(new Regex("“/balances”\\s*\\n\\s*Active; next run"), await item.InnerTextAsync());

            // A well-formed symbol no exchange lists gets a clear refusal, not a made-up price.
            await chat.SendAsync("/quote ZZZZZZ");
            await Expect(chat.Transcript.GetByText(new Regex("^I can.t find a stock or ETF with the symbol ZZZZZZ\\.$"))).ToBeVisibleAsync();
            await SaveScreenshotAsync(page, "formatting-1280");
        });
    }
}
