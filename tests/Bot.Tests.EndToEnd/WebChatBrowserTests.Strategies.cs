using System.Text.RegularExpressions;
using Bot.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bot.Tests.EndToEnd;

/// <summary>The web page's standing instructions: an alert set in the web chat fires on its own; the sidebar shows it with its last outcome and opens its report.</summary>
public sealed partial class WebChatBrowserTests
{
    [Fact]
    public async Task A_standing_instruction_shows_its_last_outcome_in_the_sidebar_and_opens_its_report()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var host = await BotHostProcess.StartAsync(database.ConnectionString, new Dictionary<string, string>
        {
            ["Pipeline:PollSeconds"] = "0.2",
            ["Strategies:PaperAlwaysOpen"] = "true",
            ["Strategies:TickSeconds"] = "1",
            ["Strategies:AlertIntervalSeconds"] = "10",
            // Already below the alert's threshold, so its first check fires.
            ["PaperBroker:Prices:IBM"] = "175",
        });
        await using var browser = await BrowserPage.OpenAsync(host);
        await browser.RunAsync(output, async page =>
        {
            await page.GotoAsync("/");
            var chat = new ChatPage(page);
            await chat.SendAsync("/alert IBM below 180");
            await Expect(chat.Transcript.GetByText(new Regex("Alert: IBM below 180")).First).ToBeVisibleAsync();
            await Eventually.GetAsync(() => database.CountAsync("SELECT count(*) FROM inbox WHERE event_id LIKE 'strategy:%' AND status = 'Done'"), n => n == 1,
                "the alert's firing", TimeSpan.FromSeconds(90));

            var item = page.GetByTestId("strategy-item");
            await Expect(item).ToHaveCountAsync(1, new() { Timeout = 60_000 });
            await Expect(item.GetByText("Alert: IBM below 180")).ToBeVisibleAsync();
            await Expect(item.GetByTestId("strategy-outcome")).Not.ToBeEmptyAsync();
            await item.GetByRole(AriaRole.Button, new() { Name = "Open its last report" }).ClickAsync();
            await Expect(page.GetByTestId("chat-title")).ToContainTextAsync("Alert: IBM below 180");
            await Expect(page.GetByText(new Regex("IBM is at")).First).ToBeVisibleAsync();
        });
    }
}
