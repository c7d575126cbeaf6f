using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Bot.Agent.Commands;
using Bot.Channels.Web;
using Bot.Tests.Support;

namespace Bot.Tests.Integration;

/// <summary>
/// Signing in to the web app with a one-time link, through the real host on PostgreSQL: the link's GET spends nothing,
/// its form POST starts a cookie session (flags, hashed at rest), a used or expired link is refused with a page that
/// says so, sessions expire (idle and absolute), state-changing calls need the anti-forgery token, and sign-out
/// (here, everywhere) ends sessions and the Direct Line tokens minted in them.
/// </summary>
public sealed partial class WebSignInTests(PeopleFactory host) : IClassFixture<PeopleFactory>
{
    [GeneratedRegex(@"http://localhost/signin\?t=[A-Za-z0-9_-]{43}")]
    private static partial Regex SignInLink();

    [Fact]
    public async Task Web_in_the_chat_answers_with_a_link_that_signs_the_same_user_in_and_stays_out_of_the_history()
    {
        // The owner's web chat (the access key) asks for a link through the pipeline, as any chat would.
        var owner = host.CreateClient();
        owner.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", PeopleFactory.AccessKey);
        var chat = await DirectLineTestClient.StartAsync(owner);
        await chat.SendAsync("/web");
        var reply = (await chat.WaitForBotRepliesAsync(1))[0].GetProperty("text").GetString()!;
        var link = SignInLink().Match(reply).Value;
        Assert.NotEmpty(link);
        Assert.Contains("works once, for 10 minutes", reply, StringComparison.Ordinal);

        // Only the hash is stored.
        var token = link[(link.IndexOf("?t=", StringComparison.Ordinal) + 3)..];
        Assert.Equal(0, await host.Database.CountAsync("SELECT count(*) FROM web_sign_in_links WHERE token_hash = $1", token));
        Assert.Equal(1, await host.Database.CountAsync("SELECT count(*) FROM web_sign_in_links WHERE token_hash = $1", Sha256Hex(token)));

        var browser = host.NewBrowser();
        using (var signedIn = await browser.SignInAsync(link))
        {
            Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
            Assert.Equal("/", signedIn.Headers.Location?.OriginalString);
        }
        var session = await browser.SessionAsync();
        var ownerUser = await host.Database.ScalarAsync<Guid>("SELECT user_id FROM channel_identities WHERE channel = 'web' AND platform_user_id = 'owner'");
        Assert.Equal("person", session.GetProperty("kind").GetString());
        Assert.Equal(ownerUser, session.GetProperty("userId").GetGuid());

        // The person sees the thread the link was asked for in, and its history keeps no link.
        var threads = await (await browser.GetAsync("/api/threads")).Content.ReadFromJsonAsync<JsonElement>();
        var thread = Assert.Single(threads.GetProperty("threads").EnumerateArray().ToList());
        using var events = await browser.GetAsync($"/api/threads/{thread.GetProperty("id").GetGuid()}/events");
        var history = await events.Content.ReadAsStringAsync();
        Assert.Contains(WebCommand.HistoryText, history, StringComparison.Ordinal);
        Assert.DoesNotContain(token, history, StringComparison.Ordinal);
        Assert.Equal(0, await host.Database.CountAsync("SELECT count(*) FROM thread_events WHERE content::text LIKE '%' || $1 || '%'", token));
    }

    [Fact]
    public async Task Opening_the_link_spends_nothing_and_the_button_signs_in_with_a_hashed_http_only_lax_cookie()
    {
        var user = await host.NewUserAsync("Ada");
        var link = await host.LinkForAsync(user);
        var path = new Uri(link).PathAndQuery;
        var browser = host.NewBrowser();

        // A link previewer's GET, twice: the page asks for confirmation and the token stays usable.
        string page;
        using (var first = await host.NewBrowser().GetAsync(path))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.True(first.Headers.CacheControl?.NoStore);
            Assert.Contains("no-referrer", first.Headers.GetValues("Referrer-Policy"));
            Assert.Contains("form-action 'self'", first.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        }
        using (var second = await browser.GetAsync(path))
        {
            page = await second.Content.ReadAsStringAsync();
            Assert.Contains("signs you in as <strong>Ada</strong>", page, StringComparison.Ordinal);
        }
        Assert.Equal(0, await host.Database.CountAsync("SELECT count(*) FROM web_sign_in_links WHERE user_id = $1 AND used_at IS NOT NULL", user));
        Assert.Null(browser.Cookie(WebSessions.CookieName));

        using (var confirmed = await browser.ConfirmAsync(page))
        {
            Assert.Equal(HttpStatusCode.SeeOther, confirmed.StatusCode);
        }
        var cookie = Assert.Single(browser.SetCookies, c => c.StartsWith(WebSessions.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("; httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; path=/", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; expires=", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("; secure", cookie, StringComparison.OrdinalIgnoreCase); // served over http

        // The cookie holds only the session's random secret; the table holds its hash.
        var secret = browser.Cookie(WebSessions.CookieName)!;
        Assert.Equal(43, secret.Length);
        Assert.Equal(0, await host.Database.CountAsync("SELECT count(*) FROM web_sessions WHERE secret_hash = $1", secret));
        Assert.Equal(1, await host.Database.CountAsync("SELECT count(*) FROM web_sessions WHERE secret_hash = $1 AND user_id = $2", Sha256Hex(secret), user));

        var session = await browser.SessionAsync();
        Assert.Equal("person", session.GetProperty("kind").GetString());
        Assert.Equal("Ada", session.GetProperty("displayName").GetString());
        Assert.Equal(user, session.GetProperty("userId").GetGuid());
        using var app = await browser.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, app.StatusCode);
    }

    [Fact]
    public async Task Over_https_the_cookie_is_secure()
    {
        var user = await host.NewUserAsync("Grace");
        var browser = host.NewBrowser(https: true);
        using var page = await browser.GetAsync(new Uri(await host.LinkForAsync(user)).PathAndQuery);
        using var confirmed = await browser.ConfirmAsync(await page.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.SeeOther, confirmed.StatusCode);
        var cookie = Assert.Single(browser.SetCookies, c => c.StartsWith(WebSessions.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("; secure", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_used_link_is_refused_with_a_page_that_says_so_and_signs_nobody_in()
    {
        var user = await host.NewUserAsync("Linus");
        var link = await host.LinkForAsync(user);
        var path = new Uri(link).PathAndQuery;

        // Two tabs open the link; the first to press the button signs in.
        var first = host.NewBrowser();
        var second = host.NewBrowser();
        var firstPage = await (await first.GetAsync(path)).Content.ReadAsStringAsync();
        var secondPage = await (await second.GetAsync(path)).Content.ReadAsStringAsync();
        using (var signedIn = await first.ConfirmAsync(firstPage))
        {
            Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        }
        using (var late = await second.ConfirmAsync(secondPage))
        {
            Assert.Equal(HttpStatusCode.Gone, late.StatusCode);
            Assert.Contains("This sign-in link was already used", await late.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Null(second.Cookie(WebSessions.CookieName));

        // Opening it again later: the page says it was used, with no button.
        using (var again = await host.NewBrowser().GetAsync(path))
        {
            Assert.Equal(HttpStatusCode.Gone, again.StatusCode);
            var text = await again.Content.ReadAsStringAsync();
            Assert.Contains("already used", text, StringComparison.Ordinal);
            Assert.DoesNotContain("<form", text, StringComparison.Ordinal);
        }
        Assert.Equal(1, await host.Database.CountAsync("SELECT count(*) FROM web_sessions WHERE user_id = $1", user));

        using var unknown = await host.NewBrowser().GetAsync("/signin?t=" + new string('A', 43));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("not valid", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_link_older_than_ten_minutes_is_refused()
    {
        var user = await host.NewUserAsync("Barbara");
        var link = await host.LinkForAsync(user);
        var browser = host.NewBrowser();
        var page = await (await browser.GetAsync(new Uri(link).PathAndQuery)).Content.ReadAsStringAsync();
        var issued = await host.Database.ScalarAsync<DateTime>("SELECT created_at FROM web_sign_in_links WHERE user_id = $1", user);
        var valid = await host.Database.ScalarAsync<DateTime>("SELECT expires_at FROM web_sign_in_links WHERE user_id = $1", user);
        Assert.Equal(TimeSpan.FromMinutes(10), valid - issued);

        // Ten minutes pass.
        await host.Database.ScalarAsync<int>("UPDATE web_sign_in_links SET created_at = created_at - interval '10 minutes', expires_at = expires_at - interval '10 minutes' WHERE user_id = $1", user);
        using var refused = await browser.ConfirmAsync(page);
        Assert.Equal(HttpStatusCode.Gone, refused.StatusCode);
        Assert.Contains("This sign-in link has expired", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(browser.Cookie(WebSessions.CookieName));
        Assert.Equal(0, await host.Database.CountAsync("SELECT count(*) FROM web_sessions WHERE user_id = $1", user));
    }

    [Fact]
    public async Task The_sign_in_post_without_the_pages_anti_forgery_token_is_refused_and_spends_nothing()
    {
        var user = await host.NewUserAsync("Mallory's target");
        var path = new Uri(await host.LinkForAsync(user)).PathAndQuery;

        // Another site's form posting the link (login CSRF): no anti-forgery cookie or field.
        var victim = host.NewBrowser();
        using (var forged = await victim.SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent([]) }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        }
        // A field copied from someone else's page, without that page's cookie.
        var attacker = host.NewBrowser();
        var page = await (await attacker.GetAsync(path)).Content.ReadAsStringAsync();
        using (var copied = await victim.ConfirmAsync(page))
        {
            Assert.Equal(HttpStatusCode.BadRequest, copied.StatusCode);
        }
        Assert.Null(victim.Cookie(WebSessions.CookieName));
        Assert.Equal(0, await host.Database.CountAsync("SELECT count(*) FROM web_sign_in_links WHERE user_id = $1 AND used_at IS NOT NULL", user));

        // The real page still works.
        using var signedIn = await attacker.ConfirmAsync(page);
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
    }

    [Fact]
    public async Task State_changing_calls_of_a_signed_in_page_need_the_anti_forgery_header()
    {
        var (browser, user) = await host.SignedInAsync("Edsger");
        var chat = await browser.StartConversationAsync();
        await chat.SendAsync("hello from Edsger");
        var thread = await Eventually.GetAsync(
            () => host.Database.ScalarAsync<Guid?>("SELECT id FROM threads WHERE user_id = $1", user), t => t is not null, "Edsger's thread");

        foreach (var path in new[] { "/v3/directline/conversations", "/v3/directline/tokens/generate", $"/api/threads/{thread}/directline", "/api/session/signout", "/api/session/signout-everywhere" })
        {
            using var refused = await browser.PostAsync(path, antiforgery: false);
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{path} answered {(int)refused.StatusCode} without the header");
            using var wrong = new HttpRequestMessage(HttpMethod.Post, path);
            wrong.Headers.Add(WebSessions.AntiforgeryHeader, new string('x', 43));
            using var wrongToken = await browser.SendAsync(wrong);
            Assert.True(wrongToken.StatusCode == HttpStatusCode.Forbidden, $"{path} answered {(int)wrongToken.StatusCode} with a wrong header");
        }
        Assert.Equal(1, await host.Database.CountAsync("SELECT count(*) FROM conversations c WHERE c.channel = 'web' AND c.address = $1", chat.ConversationId));
        Assert.Equal(1, await host.Database.CountAsync("SELECT count(*) FROM web_sessions WHERE user_id = $1", user));

        // With the header the same calls work.
        using var opened = await browser.PostAsync($"/api/threads/{thread}/directline");
        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
    }

    [Fact]
    public async Task A_persons_messages_are_theirs_as_the_web_identity_that_points_at_their_user()
    {
        var (browser, user) = await host.SignedInAsync("Margaret");
        var chat = await browser.StartConversationAsync();
        await chat.SendAsync("/threads");
        await chat.WaitForBotRepliesAsync(1);

        Assert.Equal(user, await host.Database.ScalarAsync<Guid>(
            "SELECT user_id FROM channel_identities WHERE channel = 'web' AND platform_user_id = $1", user.ToString()));
        Assert.Equal(1, await host.Database.CountAsync(
            "SELECT count(*) FROM inbox WHERE user_id = $1 AND event_id LIKE $2 || ':%'", user, chat.ConversationId));
        var listed = await (await browser.GetAsync("/api/threads")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(chat.ConversationId, Assert.Single(listed.GetProperty("threads").EnumerateArray().ToList()).GetProperty("directLineConversationId").GetString());
        // The owner's identity gained nothing from it.
        Assert.Equal(0, await host.Database.CountAsync(
            "SELECT count(*) FROM threads t JOIN channel_identities i ON i.user_id = t.user_id WHERE i.channel = 'web' AND i.platform_user_id = 'owner' AND t.user_id = $1", user));
    }

    [Fact]
    public async Task Sessions_end_when_idle_too_long_or_past_their_absolute_end_and_activity_slides_the_idle_end()
    {
        var (idle, idleUser) = await host.SignedInAsync("Idle");
        var (old, oldUser) = await host.SignedInAsync("Old");

        // A request after more than a minute moves last_seen_at forward (the sliding expiry).
        await host.Database.ScalarAsync<int>("UPDATE web_sessions SET last_seen_at = now() - interval '2 hours' WHERE user_id = $1", idleUser);
        using (var active = await idle.GetAsync("/api/threads"))
        {
            Assert.Equal(HttpStatusCode.OK, active.StatusCode);
        }
        Assert.Equal(1, await host.Database.CountAsync("SELECT count(*) FROM web_sessions WHERE user_id = $1 AND last_seen_at > now() - interval '1 minute'", idleUser));

        // Seven days (Web:SessionIdleHours = 168) without a request: over.
        await host.Database.ScalarAsync<int>("UPDATE web_sessions SET last_seen_at = now() - interval '168 hours 1 minute' WHERE user_id = $1", idleUser);
        using (var expired = await idle.GetAsync("/api/threads"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        }

        // Thirty days after sign-in (Web:SessionMaxDays) it is over however active.
        var end = await host.Database.ScalarAsync<DateTime>("SELECT expires_at FROM web_sessions WHERE user_id = $1", oldUser);
        var start = await host.Database.ScalarAsync<DateTime>("SELECT created_at FROM web_sessions WHERE user_id = $1", oldUser);
        Assert.Equal(TimeSpan.FromDays(30), end - start);
        await host.Database.ScalarAsync<int>("UPDATE web_sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1", oldUser);
        using (var over = await old.GetAsync("/api/session"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, over.StatusCode);
        }
    }

    [Fact]
    public async Task Sign_out_ends_this_session_and_its_direct_line_tokens()
    {
        var (browser, user) = await host.SignedInAsync("Barbara L");
        var chat = await browser.StartConversationAsync();
        await chat.SendAsync("/help");
        await chat.WaitForBotRepliesAsync(1);
        var secret = browser.Cookie(WebSessions.CookieName)!;

        using (var signedOut = await browser.PostAsync("/api/session/signout"))
        {
            Assert.Equal(HttpStatusCode.OK, signedOut.StatusCode);
            Assert.Equal(1, (await signedOut.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sessionsEnded").GetInt32());
        }
        Assert.Null(browser.Cookie(WebSessions.CookieName)); // the response deleted it
        Assert.Equal(0, await host.Database.CountAsync("SELECT count(*) FROM web_sessions WHERE user_id = $1", user));

        // The old cookie, replayed, is nobody; the token minted in that session is refused.
        browser.SetCookie(WebSessions.CookieName, secret);
        using (var replayed = await browser.GetAsync("/api/threads"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        }
        using var post = await chat.PostRawAsync("""{"type":"message","text":"after sign-out"}""");
        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        Assert.Equal(0, await host.Database.CountAsync("SELECT count(*) FROM thread_events WHERE content->>'text' = 'after sign-out'"));
    }

    [Fact]
    public async Task An_open_stream_closes_soon_after_its_session_is_signed_out()
    {
        var (browser, _) = await host.SignedInAsync("Streamer");
        var chat = await browser.StartConversationAsync();
        var url = new Uri($"ws://localhost/v3/directline/conversations/{chat.ConversationId}/stream?t={Uri.EscapeDataString(chat.Token)}");
        using var socket = await host.Server.CreateWebSocketClient().ConnectAsync(url, CancellationToken.None);

        using (var signedOut = await browser.PostAsync("/api/session/signout"))
        {
            Assert.Equal(HttpStatusCode.OK, signedOut.StatusCode);
        }
        // The stream looks at the session each time it wakes (at least every 10 s) and closes once it has ended.
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[64 * 1024];
        System.Net.WebSockets.WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, patience.Token);
        }
        while (result.MessageType != System.Net.WebSockets.WebSocketMessageType.Close); // a stream left open runs into the 30 s cancellation
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, result.CloseStatus);
    }

    [Fact]
    public async Task Sign_out_everywhere_ends_every_session_of_that_person_and_no_one_elses()
    {
        var user = await host.NewUserAsync("Everywhere");
        var laptop = host.NewBrowser();
        var phone = host.NewBrowser();
        Assert.Equal(HttpStatusCode.SeeOther, (await laptop.SignInAsync(await host.LinkForAsync(user))).StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await phone.SignInAsync(await host.LinkForAsync(user))).StatusCode);
        var (other, otherUser) = await host.SignedInAsync("Someone else");
        await laptop.SessionAsync();
        await phone.SessionAsync();
        var phoneChat = await phone.StartConversationAsync();

        using (var everywhere = await laptop.PostAsync("/api/session/signout-everywhere"))
        {
            Assert.Equal(HttpStatusCode.OK, everywhere.StatusCode);
            Assert.Equal(2, (await everywhere.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sessionsEnded").GetInt32());
        }
        using (var phoneAfter = await phone.GetAsync("/api/threads"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, phoneAfter.StatusCode);
        }
        using (var phoneToken = await phoneChat.PostRawAsync("""{"type":"message","text":"from the phone"}"""))
        {
            Assert.Equal(HttpStatusCode.Forbidden, phoneToken.StatusCode);
        }
        Assert.Equal(0, await host.Database.CountAsync("SELECT count(*) FROM web_sessions WHERE user_id = $1", user));
        Assert.Equal(1, await host.Database.CountAsync("SELECT count(*) FROM web_sessions WHERE user_id = $1", otherUser));
        using var stillIn = await other.GetAsync("/api/threads");
        Assert.Equal(HttpStatusCode.OK, stillIn.StatusCode);
    }

    private static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(text)));
}
