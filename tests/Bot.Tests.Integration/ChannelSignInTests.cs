using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Bot.Channels.Web;
using Bot.Tests.Support;

namespace Bot.Tests.Integration;

/// <summary>
/// A host that people sign in to from inside their chat apps, with its peers: Telegram (telegram-test-api behind the
/// normaliser) and a stand-in Entra tenant on loopback for the Teams tab's SSO. <c>Web:AccessKey</c> is set, so a client
/// is nobody until it signs in. Every server it starts, it stops.
/// </summary>
public sealed class ChannelSignInHost : IAsyncLifetime
{
    public const string TelegramToken = "424242:channel-sign-in-token";
    public const string Tenant = "0b6f8f1e-3c2a-4d8e-9a51-7c0d2e4f6a10";
    public const string TabClientId = "9d3c1a2b-4e5f-4a6b-8c7d-0e1f2a3b4c5d";
    public const string TabAudience = "api://localhost/" + TabClientId;

    private SettingsHost? host;

    public TelegramTestServer Telegram { get; private set; } = null!;

    public FakeBotFramework Entra { get; private set; } = null!;

    public TestDatabase Database => Host.Database;

    private SettingsHost Host => host ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        Telegram = await TelegramTestServer.StartAsync();
        Entra = await FakeBotFramework.StartAsync();
        host = new SettingsHost(new Dictionary<string, string>
        {
            ["Web:AccessKey"] = "channel-sign-in-access-key",
            ["Web:PublicBaseUrl"] = "http://localhost",
            ["Telegram:BotToken"] = TelegramToken,
            ["Telegram:ApiBaseUrl"] = Telegram.ApiBaseUrl,
            ["Teams:TabClientId"] = TabClientId,
            ["Teams:TabTenantId"] = Tenant,
            ["Teams:TabAudience"] = TabAudience,
            ["Teams:TabOpenIdMetadataUrl"] = Entra.EntraMetadataUrl(Tenant),
        });
        await ((IAsyncLifetime)host).InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        if (host is not null)
        {
            await ((IAsyncLifetime)host).DisposeAsync();
        }
        if (Entra is not null)
        {
            await Entra.DisposeAsync();
        }
        if (Telegram is not null)
        {
            await Telegram.DisposeAsync();
        }
    }

    /// <summary>A person with one chat account, as the pipeline makes them on their first message.</summary>
    public async Task<Guid> PersonWithAccountAsync(string name, string channel, string platformUserId)
    {
        var id = Guid.CreateVersion7();
        await Database.ScalarAsync<int>("INSERT INTO users (id, display_name, created_at) VALUES ($1, $2, now())", id, name);
        await Database.ScalarAsync<int>(
            "INSERT INTO channel_identities (id, user_id, channel, platform_user_id, created_at) VALUES ($1, $2, $3, $4, now())",
            Guid.CreateVersion7(), id, channel, platformUserId);
        return id;
    }

    internal PersonBrowser NewBrowser() =>
        new(Host.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false, BaseAddress = new Uri("http://localhost") }));
}

/// <summary>
/// Signing in from the Telegram Mini App (initData, checked as Telegram specifies) and the Teams personal tab (an SSO
/// token checked against the tenant's metadata), through the real host on PostgreSQL: each proof starts the same
/// cookie session a /web link does, and each forgery, stale proof or unknown account is refused and signs nobody in.
/// </summary>
public sealed class ChannelSignInTests(ChannelSignInHost host) : IClassFixture<ChannelSignInHost>
{
    [Fact]
    public async Task The_bot_sets_a_menu_button_that_opens_the_Mini_App()
    {
        var calls = host.Telegram.Normaliser.AnsweredForTheFake;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!calls.Any(c => c.Method == "setChatMenuButton") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.True(calls.Any(c => c.Method == "setChatMenuButton"), "the bot did not call setChatMenuButton at start");
        using var request = JsonDocument.Parse(calls.First(c => c.Method == "setChatMenuButton").Request);
        var button = request.RootElement.GetProperty("menu_button");
        Assert.Equal("web_app", button.GetProperty("type").GetString());
        Assert.Equal("http://localhost/telegram-app.html", button.GetProperty("web_app").GetProperty("url").GetString());
    }

    [Fact]
    public async Task Telegram_initData_signs_in_the_person_that_account_belongs_to()
    {
        var account = Random.Shared.NextInt64(100_000, 1_000_000_000);
        var user = await host.PersonWithAccountAsync("Tess", "telegram", account.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var browser = host.NewBrowser();
        using var response = await PostInitDataAsync(browser, TelegramMiniAppData.Sign(account, DateTimeOffset.UtcNow, ChannelSignInHost.TelegramToken));
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var session = await browser.SessionAsync();
        Assert.Equal("person", session.GetProperty("kind").GetString());
        Assert.Equal(user, session.GetProperty("userId").GetGuid());
        Assert.Equal(WebSessions.TelegramMiniAppMethod, session.GetProperty("method").GetString());
        Assert.Contains(browser.SetCookies, c => c.StartsWith(WebSessions.CookieName + "=", StringComparison.Ordinal)
            && c.Contains("httponly", StringComparison.OrdinalIgnoreCase) && c.Contains("samesite=lax", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("forged", HttpStatusCode.Unauthorized, "hash does not match")]
    [InlineData("other bot", HttpStatusCode.Unauthorized, "hash does not match")]
    [InlineData("stale", HttpStatusCode.Unauthorized, "too old")]
    [InlineData("stranger", HttpStatusCode.Forbidden, "has not written to the bot")]
    [InlineData("empty", HttpStatusCode.Unauthorized, "empty")]
    public async Task Telegram_initData_that_proves_nothing_signs_nobody_in(string kind, HttpStatusCode status, string problem)
    {
        var known = Random.Shared.NextInt64(100_000, 1_000_000_000); // each case a person of its own
        await host.PersonWithAccountAsync("Known", "telegram", known.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var now = DateTimeOffset.UtcNow;
        var initData = kind switch
        {
            // The signed user id changed: somebody else's account claimed with this account's signature.
            "forged" => TelegramMiniAppData.Sign(known, now, ChannelSignInHost.TelegramToken).Replace("%3A" + known, "%3A" + (known + 1), StringComparison.Ordinal),
            "other bot" => TelegramMiniAppData.Sign(known, now, "999:another-bots-token"),
            "stale" => TelegramMiniAppData.Sign(known, now.AddHours(-2), ChannelSignInHost.TelegramToken),
            "stranger" => TelegramMiniAppData.Sign(known + 1, now, ChannelSignInHost.TelegramToken),
            _ => string.Empty,
        };
        var sessions = await host.Database.CountAsync("SELECT count(*) FROM web_sessions");
        var browser = host.NewBrowser();
        using var response = await PostInitDataAsync(browser, initData);
        Assert.Equal(status, response.StatusCode);
        Assert.Contains(problem, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(browser.SetCookies, c => c.StartsWith(WebSessions.CookieName + "=", StringComparison.Ordinal));
        Assert.Equal(sessions, await host.Database.CountAsync("SELECT count(*) FROM web_sessions"));
    }

    [Fact]
    public async Task A_Teams_SSO_token_signs_in_the_person_and_the_tab_cookie_works_inside_Teams_frame()
    {
        var objectId = Guid.NewGuid().ToString();
        var user = await host.PersonWithAccountAsync("Tom", "teams", objectId);
        var browser = host.NewBrowser();
        using var response = await PostTeamsTokenAsync(browser, host.Entra.EntraToken(ChannelSignInHost.Tenant, objectId, ChannelSignInHost.TabAudience));
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var session = await browser.SessionAsync();
        Assert.Equal(user, session.GetProperty("userId").GetGuid());
        Assert.Equal(WebSessions.TeamsTabMethod, session.GetProperty("method").GetString());
        // The tab is a frame inside teams.microsoft.com: only a SameSite=None (hence Secure) cookie is sent there.
        var cookie = Assert.Single(browser.SetCookies, c => c.StartsWith(WebSessions.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("samesite=none", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);

        // The client id itself is an accepted audience too (v2.0 tokens name it).
        using var again = await PostTeamsTokenAsync(host.NewBrowser(), host.Entra.EntraToken(ChannelSignInHost.Tenant, objectId, ChannelSignInHost.TabClientId));
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
    }

    [Theory]
    [InlineData("no token", HttpStatusCode.Unauthorized)]
    [InlineData("wrong audience", HttpStatusCode.Unauthorized)]
    [InlineData("wrong key", HttpStatusCode.Unauthorized)]
    [InlineData("expired", HttpStatusCode.Unauthorized)]
    [InlineData("wrong issuer", HttpStatusCode.Unauthorized)]
    [InlineData("other tenant", HttpStatusCode.Forbidden)]
    [InlineData("stranger", HttpStatusCode.Forbidden)]
    public async Task A_Teams_token_that_proves_nothing_signs_nobody_in(string kind, HttpStatusCode status)
    {
        var objectId = Guid.NewGuid().ToString();
        await host.PersonWithAccountAsync("Known", "teams", objectId);
        const string tenant = ChannelSignInHost.Tenant, audience = ChannelSignInHost.TabAudience;
        var entra = host.Entra;
        var token = kind switch
        {
            "no token" => null,
            "wrong audience" => entra.EntraToken(tenant, objectId, "api://localhost/someone-else"),
            "wrong key" => entra.EntraToken(tenant, objectId, audience, signWith: entra.OtherKey),
            "expired" => entra.EntraToken(tenant, objectId, audience, expires: DateTimeOffset.UtcNow.AddMinutes(-10)),
            "wrong issuer" => entra.EntraToken(tenant, objectId, audience, issuer: "https://login.example.com/" + tenant + "/v2.0"),
            // Signed by the same keys and naming our tenant's issuer, but another tenant's tid: the policy refuses it.
            "other tenant" => entra.EntraToken("11111111-0000-0000-0000-000000000000", objectId, audience, issuer: FakeBotFramework.EntraIssuer(tenant)),
            _ => entra.EntraToken(tenant, Guid.NewGuid().ToString(), audience),
        };
        var sessions = await host.Database.CountAsync("SELECT count(*) FROM web_sessions");
        var browser = host.NewBrowser();
        using var response = await PostTeamsTokenAsync(browser, token);
        Assert.Equal(status, response.StatusCode);
        Assert.DoesNotContain(browser.SetCookies, c => c.StartsWith(WebSessions.CookieName + "=", StringComparison.Ordinal));
        Assert.Equal(sessions, await host.Database.CountAsync("SELECT count(*) FROM web_sessions"));
    }

    [Fact]
    public async Task The_entry_pages_are_served_to_anyone_and_name_their_script()
    {
        var anonymous = host.NewBrowser();
        foreach (var page in new[] { "/telegram-app.html", "/teams-tab.html" })
        {
            using var response = await anonymous.GetAsync(page);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("channel-sign-in.js", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    private static Task<HttpResponseMessage> PostInitDataAsync(PersonBrowser browser, string initData) =>
        browser.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/auth/telegram") { Content = JsonContent.Create(new { initData }) });

    private static Task<HttpResponseMessage> PostTeamsTokenAsync(PersonBrowser browser, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/auth/teams");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return browser.SendAsync(request);
    }
}
