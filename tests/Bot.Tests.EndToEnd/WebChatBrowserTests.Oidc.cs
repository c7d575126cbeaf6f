using System.Net;
using System.Text.RegularExpressions;
using Bot.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bot.Tests.EndToEnd;

/// <summary>
/// Signing in to the web app through a real OpenID Provider (npm <c>oidc-provider</c>) in Chromium: the sign-in page's
/// button, the provider's login and consent pages, back to the app as a new person; <c>/connect</c> in the web chat
/// and the code sent from Telegram (telegram-test-api) tie that person to the chat account. A cancelled sign-in and a
/// forged answer sign nobody in.
/// </summary>
public sealed partial class WebChatBrowserTests
{
    private const string OidcTelegramToken = "123456:TEST-token_for-oidc";
    private const long OidcTelegramChat = 6161;

    [Fact]
    public async Task OpenID_Connect_signs_a_new_person_in_whom_connect_ties_to_their_Telegram_account()
    {
        await using var telegram = await TelegramTestServer.StartAsync();
        await using var database = await TestDatabase.CreateAsync();
        var port = Ports.GetFree();
        var baseUrl = new Uri($"http://127.0.0.1:{port}");
        await using var provider = await OidcProvider.StartAsync(baseUrl);
        await using var host = await BotHostProcess.StartAsync(database.ConnectionString, new Dictionary<string, string>
        {
            // With a key, this machine's browser is nobody until it signs in.
            ["Web__AccessKey"] = AccessKey,
            ["Web__PublicBaseUrl"] = baseUrl.ToString().TrimEnd('/'),
            ["Web__Oidc__Authority"] = provider.Issuer.ToString().TrimEnd('/'),
            ["Web__Oidc__ClientId"] = OidcProvider.ClientId,
            ["Web__Oidc__ClientSecret"] = provider.ClientSecret,
            ["Web__Oidc__DisplayName"] = "Example Corp",
            ["Pipeline:PollSeconds"] = "0.2",
            ["Telegram:BotToken"] = OidcTelegramToken,
            ["Telegram:ApiBaseUrl"] = telegram.ApiBaseUrl,
        }, port);

        // Grace writes to the bot from Telegram first: that is the account she will tie her sign-in to.
        await telegram.SendMessageAsync(OidcTelegramToken, OidcTelegramChat, "hello from Telegram");
        await Eventually.GetAsync(() => telegram.BotMessagesAsync(OidcTelegramToken, OidcTelegramChat), m => m.Count >= 1, "the Telegram greeting's answer");

        await using var browser = await BrowserPage.OpenAsync(host, provider.Issuer);
        string code = string.Empty;
        await browser.RunAsync(output, async page =>
        {
            // A cancelled sign-in at the provider comes back as a page that says so, with no session.
            await page.GotoAsync("/signin");
            await page.GetByTestId("signin-oidc").ClickAsync();
            await Expect(page.Locator("input[name=login]")).ToBeVisibleAsync();
            var cancelled = page.WaitForResponseAsync(r => r.Url.Contains("/signin-oidc", StringComparison.Ordinal));
            await page.GetByRole(AriaRole.Link, new() { Name = "[ Cancel ]" }).ClickAsync();
            Assert.Equal(403, (await cancelled).Status);
            await Expect(page.GetByTestId("signin-message")).ToContainTextAsync("was cancelled");
            Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "bot_session");

            // The sign-in page's button goes to the provider; its login and consent pages lead back into the app.
            await page.GotoAsync("/signin");
            await Expect(page.GetByTestId("signin-oidc")).ToHaveTextAsync("Sign in with Example Corp");
            await page.GetByTestId("signin-oidc").ClickAsync();
            await page.Locator("input[name=login]").FillAsync("grace");
            await page.Locator("input[name=password]").FillAsync("any password");
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign-in" }).ClickAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
            await page.WaitForURLAsync(baseUrl + "");
            await Expect(page.GetByTestId("session-who")).ToHaveTextAsync("Signed in as Person grace");
            var cookie = (await page.Context.CookiesAsync()).Single(c => c.Name == "bot_session");
            Assert.True(cookie.HttpOnly);
            Assert.Equal(SameSiteAttribute.Lax, cookie.SameSite);

            // /connect in the web chat offers a code for the other channel.
            var chat = new ChatPage(page);
            await chat.SendAsync("/connect");
            await Expect(chat.Transcript.Locator("code").GetByText(ConnectCode())).ToBeVisibleAsync();
            code = ConnectCode().Match(await chat.Transcript.InnerTextAsync()).Value;
        });

        await telegram.SendCommandAsync(OidcTelegramToken, OidcTelegramChat, "/connect " + code);
        var joined = await Eventually.GetAsync(() => telegram.BotMessagesAsync(OidcTelegramToken, OidcTelegramChat), m => m.Count >= 2, "the answer to /connect CODE");
        Assert.StartsWith("Connected: your accounts are one person now.", joined[1].Message.GetProperty("text").GetString(), StringComparison.Ordinal);

        // One person: the OpenID account (issuer and subject), the web chat and Telegram.
        var person = await database.ScalarAsync<Guid>("SELECT user_id FROM channel_identities WHERE channel = 'telegram'");
        Assert.Equal(person, await database.ScalarAsync<Guid>("SELECT user_id FROM channel_identities WHERE channel = 'oidc' AND platform_user_id = $1",
            provider.Issuer.ToString().TrimEnd('/') + "#grace"));
        Assert.Equal(1, await database.CountAsync("SELECT count(*) FROM users"));

        // An answer nobody asked for (no state cookie, a made-up code) signs nobody in.
        using (var forged = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseUrl })
        using (var response = await forged.GetAsync("/signin-oidc?code=made-up&state=made-up&iss=" + Uri.EscapeDataString(provider.Issuer.ToString().TrimEnd('/'))))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.False(response.Headers.Contains("Set-Cookie") && response.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("bot_session=", StringComparison.Ordinal)));
        }
        Assert.Equal(1, await database.CountAsync("SELECT count(*) FROM web_sessions"));

        // The client secret and the connect code never reached the log.
        Assert.DoesNotContain(provider.ClientSecret, host.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(code, host.Output, StringComparison.Ordinal);
    }

    [GeneratedRegex("[0-9A-Z]{5}-[0-9A-Z]{5}")]
    private static partial Regex ConnectCode();
}
