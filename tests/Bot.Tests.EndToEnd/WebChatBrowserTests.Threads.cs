using System.Text.Json;
using System.Text.RegularExpressions;
using Bot.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bot.Tests.EndToEnd;

/// <summary>
/// The sidebar's thread work as a person does it: search, rename, export, fork, archive, delete, a thread of another
/// channel continued on the web, and a schedule's runs grouped under it. These use the threads API of issue 16
/// (search, PATCH, DELETE, fork, export, schedules, Direct Line for any channel).
/// </summary>
public sealed partial class WebChatBrowserTests
{
    private static async Task OpenThreadMenuAsync(IPage page)
    {
        var menu = page.GetByTestId("thread-menu");
        if (await menu.GetAttributeAsync("open") is null)
        {
            await menu.Locator("summary").ClickAsync();
        }
    }

    [Fact]
    public async Task A_person_searches_renames_exports_forks_archives_and_deletes_threads()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var host = await BotHostProcess.StartAsync(database.ConnectionString);
        await using var browser = await BrowserPage.OpenAsync(host);

        await browser.RunAsync(output, async page =>
        {
            await page.GotoAsync("/");
            var chat = new ChatPage(page);
            await chat.SendAsync("hello there, what about dividends");
            await Expect(chat.Transcript.GetByText(CommandsOnlyReply())).ToBeVisibleAsync();
            await chat.SendAsync("/quote AAPL");
            await Expect(chat.Transcript.GetByText(new Regex("^AAPL"))).ToBeVisibleAsync();
            await Expect(chat.Threads).ToHaveCountAsync(1);
            await chat.NewThread.ClickAsync();
            await chat.SendAsync("/portfolio");
            await Expect(chat.Threads).ToHaveCountAsync(2);

            // Search: ranked hits with the matching words marked; a hit opens its thread.
            await page.GetByTestId("search").FillAsync("dividends");
            var hit = page.GetByTestId("search-hit");
            await Expect(hit).ToHaveCountAsync(1);
            await Expect(hit.Locator("mark")).ToHaveTextAsync(new Regex("^dividends$", RegexOptions.IgnoreCase));
            await hit.ClickAsync();
            await Expect(chat.UserMessage("hello there, what about dividends")).ToBeVisibleAsync();
            await page.GetByTestId("search").FillAsync("nothing-like-this-was-said");
            await Expect(page.GetByTestId("search-empty")).ToBeVisibleAsync();
            await page.GetByTestId("search").FillAsync("");
            await Expect(chat.Threads).ToHaveCountAsync(2);
            var threadId = await database.ScalarAsync<Guid>("SELECT thread_id FROM thread_events WHERE content->>'text' = 'hello there, what about dividends'");

            // Rename.
            await OpenThreadMenuAsync(page);
            await page.GetByTestId("rename-thread").ClickAsync();
            await page.GetByTestId("dialog-input").FillAsync("  Dividends  ");
            await page.GetByTestId("dialog-ok").ClickAsync();
            await Expect(page.GetByTestId("chat-title")).ToHaveTextAsync("Dividends");
            await Expect(chat.Thread("Dividends")).ToBeVisibleAsync();
            Assert.Equal("Dividends", await database.ScalarAsync<string>("SELECT title FROM threads WHERE id = $1", threadId));

            // Export as Markdown and as JSON: downloads holding the conversation.
            await OpenThreadMenuAsync(page);
            var markdown = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-md").ClickAsync());
            Assert.EndsWith(".md", markdown.SuggestedFilename, StringComparison.Ordinal);
            Assert.Contains("hello there, what about dividends", await File.ReadAllTextAsync((await markdown.PathAsync())!), StringComparison.Ordinal);
            await OpenThreadMenuAsync(page);
            var json = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-json").ClickAsync());
            Assert.EndsWith(".json", json.SuggestedFilename, StringComparison.Ordinal);
            using (var exported = JsonDocument.Parse(await File.ReadAllTextAsync((await json.PathAsync())!)))
            {
                Assert.Contains("hello there, what about dividends", exported.RootElement.GetRawText(), StringComparison.Ordinal);
            }

            // Fork from the first message: a new thread with the history up to it, opened at once.
            await OpenThreadMenuAsync(page);
            await page.GetByTestId("fork-thread").ClickAsync();
            var choice = page.GetByTestId("fork-choice").Filter(new() { HasText = "hello there, what about dividends" });
            await choice.GetByTestId("fork-here").ClickAsync();
            await Expect(page.GetByTestId("chat-title")).ToHaveTextAsync("Fork of Dividends");
            await Expect(chat.Thread("Fork of Dividends")).ToHaveAttributeAsync("aria-current", "true");
            await Expect(page.GetByTestId("history").GetByText("hello there, what about dividends")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("history").GetByText(new Regex("^AAPL"))).ToHaveCountAsync(0);
            await Expect(chat.Threads).ToHaveCountAsync(3);

            // Archive: out of the list, into the archive, and back.
            await chat.Threads.Filter(new() { HasTextRegex = new Regex("^Dividends") }).First.ClickAsync();
            await Expect(page.GetByTestId("chat-title")).ToHaveTextAsync("Dividends");
            await OpenThreadMenuAsync(page);
            await page.GetByTestId("archive-thread").ClickAsync();
            await Expect(chat.Threads.Filter(new() { HasTextRegex = new Regex("^Dividends") })).ToHaveCountAsync(0);
            await page.GetByTestId("show-archived").ClickAsync();
            await Expect(chat.Thread("Dividends")).ToHaveCountAsync(1);
            await page.GetByTestId("show-archived").ClickAsync();
            await Expect(chat.Threads).ToHaveCountAsync(2);

            // Delete, after a confirmation: gone from the page and from the database.
            var forkId = await database.ScalarAsync<Guid>("SELECT id FROM threads WHERE title = 'Fork of Dividends'");
            await chat.Thread("Fork of Dividends").ClickAsync();
            await OpenThreadMenuAsync(page);
            await page.GetByTestId("delete-thread").ClickAsync();
            await Expect(page.GetByTestId("dialog-text")).ToContainTextAsync("cannot be undone");
            await page.GetByTestId("dialog-cancel").ClickAsync();
            Assert.Equal(1, await database.CountAsync("SELECT count(*) FROM threads WHERE id = $1", forkId));
            await OpenThreadMenuAsync(page);
            await page.GetByTestId("delete-thread").ClickAsync();
            await page.GetByTestId("dialog-ok").ClickAsync();
            await Expect(chat.Thread("Fork of Dividends")).ToHaveCountAsync(0);
            await Expect(page.GetByTestId("notice-text")).ToContainTextAsync("was deleted");
            Assert.Equal(0, await database.CountAsync("SELECT count(*) FROM threads WHERE id = $1", forkId));
            Assert.Equal(0, await database.CountAsync("SELECT count(*) FROM thread_events WHERE thread_id = $1", forkId));
            await SaveScreenshotAsync(page, "threads-after-delete-1280");
        });
    }

    [Fact]
    public async Task A_thread_that_began_in_Telegram_is_shown_with_its_card_and_continued_on_the_web_in_the_same_thread()
    {
        const string token = "123456:TEST-token_for-web-home";
        const long chatId = 7171;
        await using var telegram = await TelegramTestServer.StartAsync();
        await using var database = await TestDatabase.CreateAsync();
        await using var host = await BotHostProcess.StartAsync(database.ConnectionString, new Dictionary<string, string>
        {
            ["Pipeline:PollSeconds"] = "0.2",
            ["Telegram:BotToken"] = token,
            ["Telegram:ApiBaseUrl"] = telegram.ApiBaseUrl,
        });
        await using var browser = await BrowserPage.OpenAsync(host);

        // In Telegram (telegram-test-api): a question, then a trade plan declined with its button.
        await telegram.SendMessageAsync(token, chatId, "When is my rent due?");
        await Eventually.GetAsync(() => telegram.BotMessagesAsync(token, chatId), m => m.Count >= 1, "the answer in Telegram");
        await telegram.SendCommandAsync(token, chatId, "/buy 2 AAPL limit 150");
        var card = (await Eventually.GetAsync(() => telegram.BotMessagesAsync(token, chatId), m => m.Count >= 2, "the plan card in Telegram"))[1];
        var decline = card.Message.GetProperty("reply_markup").GetProperty("inline_keyboard").EnumerateArray().SelectMany(r => r.EnumerateArray())
            .Single(b => b.GetProperty("text").GetString() == "Decline").GetProperty("callback_data").GetString()!;
        await telegram.SendCallbackAsync(token, chatId, card.MessageId, decline);
        await Eventually.GetAsync(() => database.CountAsync("SELECT count(*) FROM trade_plans WHERE status = 'Declined'"), n => n == 1, "the declined plan");
        var threadId = await database.ScalarAsync<Guid>(
            "SELECT t.id FROM threads t JOIN conversations c ON c.id = t.conversation_id WHERE c.channel = 'telegram' ORDER BY t.created_at LIMIT 1");

        await browser.RunAsync(output, async page =>
        {
            // The web chat's owner and the Telegram account become one person (/connect in the web, the code from Telegram).
            await page.GotoAsync("/");
            var chat = new ChatPage(page);
            await chat.SendAsync("/connect");
            await Expect(chat.Transcript.Locator("code").GetByText(ConnectCode())).ToBeVisibleAsync();
            var code = ConnectCode().Match(await chat.Transcript.InnerTextAsync()).Value;
            await telegram.SendCommandAsync(token, chatId, "/connect " + code);
            await Eventually.GetAsync(() => database.CountAsync("SELECT count(*) FROM users"), n => n == 1, "the accounts joined");

            // The Telegram thread is in the sidebar with its badge; its history shows the card in its final state.
            await page.ReloadAsync();
            var fromTelegram = chat.Threads.Filter(new() { Has = page.GetByText("Telegram", new() { Exact = true }) }).First;
            await fromTelegram.ClickAsync();
            await Expect(page.GetByTestId("history").GetByText("When is my rent due?")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("history-card-status")).ToHaveTextAsync("Declined");

            // Continued here: the web's turn joins the same thread.
            await page.GetByTestId("continue-here").ClickAsync();
            await chat.SendAsync("/help");
            await Expect(chat.Transcript.GetByText("What I can do", new() { Exact = true })).ToBeVisibleAsync();
            await Eventually.GetAsync(() => database.CountAsync("SELECT count(*) FROM thread_events WHERE thread_id = $1 AND content->>'text' = '/help'", threadId),
                n => n == 1, "the web turn in the Telegram thread");
            await Expect(page.GetByTestId("history").GetByText("When is my rent due?")).ToBeVisibleAsync();
        });
    }

    [Fact]
    public async Task A_schedules_runs_are_grouped_under_it_and_each_opens_its_own_thread()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var host = await BotHostProcess.StartAsync(database.ConnectionString, new Dictionary<string, string>
        {
            ["Scheduling:MinIntervalSeconds"] = "1",
        });
        await using var browser = await BrowserPage.OpenAsync(host);

        await browser.RunAsync(output, async page =>
        {
            await page.GotoAsync("/");
            var chat = new ChatPage(page);
            await chat.SendAsync("/schedule every 2s Tick: /quote AAPL");
            await Expect(chat.Transcript.GetByText(new Regex("^Scheduled")).First).ToBeVisibleAsync();
            await Eventually.GetAsync(() => database.CountAsync("SELECT count(*) FROM schedule_runs WHERE status = 'Delivered'"), n => n >= 2, "two delivered runs", TimeSpan.FromSeconds(60));
            await chat.SendAsync("/schedule pause " + await database.ScalarAsync<string>("SELECT right(replace(id::text, '-', ''), 6) FROM schedules"));

            // One group, collapsed, with its last outcome; the runs never flood the thread list.
            var group = page.GetByTestId("schedule-group");
            await Expect(group).ToHaveCountAsync(1);
            await Expect(group).Not.ToHaveAttributeAsync("open", "");
            await Expect(group.GetByTestId("schedule-outcome")).ToContainTextAsync("delivered");
            await Expect(chat.Threads).ToHaveCountAsync(1);

            // Opened, each run is a thread of its own, with its own messages.
            await group.Locator("summary").ClickAsync();
            var runs = group.GetByTestId("thread-item");
            await Expect(runs).Not.ToHaveCountAsync(0);
            await runs.First.ClickAsync();
            await Expect(runs.First).ToHaveAttributeAsync("aria-current", "true");
            await Expect(chat.UserMessage("/schedule every 2s Tick: /quote AAPL")).ToHaveCountAsync(0);
            await Expect(page.GetByText(new Regex("^AAPL")).First).ToBeVisibleAsync();
            await SaveScreenshotAsync(page, "schedule-runs-1280");
        });
    }
}
