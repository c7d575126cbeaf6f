using System.Text.RegularExpressions;
using Bot.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Bot.Tests.EndToEnd;

/// <summary>The web app opened as a Telegram Mini App, in Chromium: the entry page signs in with initData and lands on the app.</summary>
public sealed partial class WebChatBrowserTests
{
    private const string MiniAppBotToken = "515151:mini-app-browser-token";
    private const long MiniAppChat = 4711;

    [Fact]
    public async Task The_Mini_App_page_signs_in_with_Telegrams_initData_and_shows_the_Telegram_thread()
    {
        await using var telegram = await TelegramTestServer.StartAsync();
        await using var database = await TestDatabase.CreateAsync();
        var port = Ports.GetFree();
        await using var host = await BotHostProcess.StartAsync(database.ConnectionString, new Dictionary<string, string>
        {
            ["Web__AccessKey"] = AccessKey, // this machine's browser is nobody until it signs in
            ["Web__PublicBaseUrl"] = $"http://127.0.0.1:{port}",
            ["Telegram__BotToken"] = MiniAppBotToken,
            ["Telegram__ApiBaseUrl"] = telegram.ApiBaseUrl,
        }, port);

        // Ann writes to the bot in Telegram first, so the bot knows her account.
        await telegram.SendMessageAsync(MiniAppBotToken, MiniAppChat, "hello from telegram");
        await Eventually.GetAsync(() => telegram.BotMessagesAsync(MiniAppBotToken, MiniAppChat), m => m.Count >= 1, "the bot's answer in Telegram", TimeSpan.FromSeconds(90));

        // Telegram opens the Mini App with its launch parameters in the fragment (tgWebAppData is the signed initData).
        var initData = TelegramMiniAppData.Sign(MiniAppChat, DateTimeOffset.UtcNow, MiniAppBotToken);
        var fragment = "tgWebAppData=" + Uri.EscapeDataString(initData) + "&tgWebAppVersion=8.0&tgWebAppPlatform=web";

        await using var browser = await BrowserPage.OpenAsync(host);
        await browser.RunAsync(output, async page =>
        {
            await page.GotoAsync("/telegram-app.html#" + fragment);
            await page.WaitForURLAsync(new Regex("/$"));
            var chat = new ChatPage(page);
            await Expect(page.GetByTestId("session-who")).ToHaveTextAsync("Signed in as Ann");
            await Expect(chat.Thread("hello from telegram")).ToBeVisibleAsync();

            var cookie = (await page.Context.CookiesAsync()).Single(c => c.Name == "bot_session");
            Assert.True(cookie.HttpOnly);
            Assert.DoesNotContain(initData, host.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(cookie.Value, host.Output, StringComparison.Ordinal);

            // The same page with initData another bot signed is refused, and says why.
            await page.Context.ClearCookiesAsync();
            var forged = TelegramMiniAppData.Sign(MiniAppChat, DateTimeOffset.UtcNow, "999:another-bots-token");
            await page.GotoAsync("/telegram-app.html#tgWebAppData=" + Uri.EscapeDataString(forged));
            await Expect(page.GetByTestId("sign-in-status")).ToContainTextAsync("hash does not match");
            Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "bot_session");
        });
    }
}
