using System.Security.Cryptography;
using System.Text;
using Bot.Pipeline.SignIn;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bot.Channels.Web;

/// <summary>A signed-in person's session: its row, the user it acts as, and how they signed in.</summary>
public sealed record WebSession(Guid Id, Guid UserId, string Method);

/// <summary>
/// Cookie sessions of the web app, stored server-side (<c>web_sessions</c>). The cookie holds only a random session
/// secret (256 bits); the table holds its SHA-256, so neither a database dump nor a log can sign anyone in. A session
/// ends after <see cref="WebSignInOptions.SessionIdleHours"/> without a request (sliding) and
/// <see cref="WebSignInOptions.SessionMaxDays"/> after sign-in (absolute), on sign-out, or on "sign out everywhere".
/// Every way of signing in (the one-time link today; Telegram's Mini App, a Teams tab, OpenID Connect later) ends in
/// <see cref="SignInAsync"/>.
/// </summary>
public sealed partial class WebSessions(NpgsqlDataSource dataSource, IOptions<WebSignInOptions> options, TimeProvider clock, ILogger<WebSessions> logger)
{
    public const string CookieName = "bot_session";

    /// <summary>The header state-changing calls of a signed-in page carry (see <see cref="AntiforgeryToken"/>).</summary>
    public const string AntiforgeryHeader = "X-Bot-Antiforgery";

    /// <summary>The method of a session started by a one-time link (<c>/web</c>).</summary>
    public const string LinkMethod = "link";

    /// <summary>Signed in by a Telegram Mini App's initData (the web app inside Telegram's webview, a top-level page).</summary>
    public const string TelegramMiniAppMethod = "telegram-mini-app";

    /// <summary>
    /// Signed in by a Teams personal tab's SSO token. The tab is a frame inside teams.microsoft.com, so its cookie must be
    /// SameSite=None (and therefore Secure) to be sent at all; the anti-forgery header still guards every state change.
    /// </summary>
    public const string TeamsTabMethod = "teams-tab";

    /// <summary>Signed in through the team's OpenID Provider (<see cref="WebOidc"/>); a top-level page like a link's.</summary>
    public const string OidcMethod = "oidc";

    /// <summary>How stale <c>last_seen_at</c> may get before a request writes it again (the idle expiry's resolution).</summary>
    private static readonly TimeSpan TouchEvery = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Signs <paramref name="userId"/> in on this browser: a new session row and its cookie (HttpOnly; Secure when the
    /// request or <c>Web:PublicBaseUrl</c> is https; SameSite=Lax; expiring with the session's absolute end). A session
    /// this browser already had ends. <paramref name="method"/> names the way in (<see cref="LinkMethod"/>, ...).
    /// </summary>
    public async Task<WebSession> SignInAsync(HttpContext context, Guid userId, string method, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        var settings = options.Value;
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = clock.GetUtcNow();
        var session = new WebSession(Guid.CreateVersion7(now), userId, method);
        var expires = now + settings.SessionMax;
        await using (var batch = dataSource.CreateBatch())
        {
            // The browser's previous session (if any) and this user's sessions that have ended are removed.
            batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM web_sessions WHERE secret_hash = $1")
            {
                Parameters = { new() { Value = Hash(context.Request.Cookies[CookieName] ?? string.Empty) } },
            });
            batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM web_sessions WHERE user_id = $1 AND (expires_at <= $2 OR last_seen_at <= $3)")
            {
                Parameters = { new() { Value = userId }, new() { Value = now }, new() { Value = now - settings.SessionIdle } },
            });
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                "INSERT INTO web_sessions (id, user_id, secret_hash, method, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $5, $6)")
            {
                Parameters =
                {
                    new() { Value = session.Id }, new() { Value = userId }, new() { Value = Hash(secret) },
                    new() { Value = method }, new() { Value = now }, new() { Value = expires },
                },
            });
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        var cookie = CookieOptions(context, expires);
        if (method == TeamsTabMethod)
        {
            cookie.SameSite = SameSiteMode.None;
            cookie.Secure = true;
        }
        context.Response.Cookies.Append(CookieName, secret, cookie);
        LogSignedIn(logger, userId, method);
        return session;
    }

    /// <summary>The live session a cookie value names (its idle expiry moved forward), or null.</summary>
    public async Task<WebSession?> AuthenticateAsync(string? secret, CancellationToken cancellationToken)
    {
        if (!LooksLikeSecret(secret))
        {
            return null;
        }
        await using var command = dataSource.CreateCommand(
            "SELECT id, user_id, method, last_seen_at, expires_at FROM web_sessions WHERE secret_hash = $1");
        command.Parameters.Add(new() { Value = Hash(secret!) });
        WebSession session;
        DateTimeOffset lastSeen;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }
            session = new WebSession(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2));
            lastSeen = reader.GetFieldValue<DateTimeOffset>(3);
            var now = clock.GetUtcNow();
            if (reader.GetFieldValue<DateTimeOffset>(4) <= now || lastSeen + options.Value.SessionIdle <= now)
            {
                return null;
            }
        }
        if (clock.GetUtcNow() - lastSeen >= TouchEvery)
        {
            await using var touch = dataSource.CreateCommand("UPDATE web_sessions SET last_seen_at = $2 WHERE id = $1");
            touch.Parameters.Add(new() { Value = session.Id });
            touch.Parameters.Add(new() { Value = clock.GetUtcNow() });
            await touch.ExecuteNonQueryAsync(cancellationToken);
        }
        return session;
    }

    /// <summary>True while session <paramref name="sessionId"/> of <paramref name="userId"/> is live (a Direct Line token minted in it checks this).</summary>
    public async Task<bool> IsActiveAsync(Guid sessionId, Guid userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT 1 FROM web_sessions WHERE id = $1 AND user_id = $2 AND expires_at > $3 AND last_seen_at > $4");
        var now = clock.GetUtcNow();
        command.Parameters.Add(new() { Value = sessionId });
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = now - options.Value.SessionIdle });
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    /// <summary>Ends this browser's session and removes its cookie; the number of sessions ended (0 or 1).</summary>
    public async Task<int> SignOutAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var ended = 0;
        if (context.Request.Cookies[CookieName] is { } secret && LooksLikeSecret(secret))
        {
            await using var command = dataSource.CreateCommand("DELETE FROM web_sessions WHERE secret_hash = $1 RETURNING user_id");
            command.Parameters.Add(new() { Value = Hash(secret) });
            if (await command.ExecuteScalarAsync(cancellationToken) is Guid userId)
            {
                ended = 1;
                LogSignedOut(logger, userId, ended);
            }
        }
        context.Response.Cookies.Delete(CookieName, CookieOptions(context, null));
        return ended;
    }

    /// <summary>Ends every session of <paramref name="userId"/>, on every browser, and removes this browser's cookie.</summary>
    public async Task<int> SignOutEverywhereAsync(HttpContext context, Guid userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM web_sessions WHERE user_id = $1");
        command.Parameters.Add(new() { Value = userId });
        var ended = await command.ExecuteNonQueryAsync(cancellationToken);
        LogSignedOut(logger, userId, ended);
        context.Response.Cookies.Delete(CookieName, CookieOptions(context, null));
        return ended;
    }

    /// <summary>
    /// The anti-forgery token of the session in this request's cookie: derived from the cookie's secret, which scripts
    /// cannot read (HttpOnly), and handed to the page by <c>GET /api/session</c>, which another site cannot read. A
    /// forged request from another site carries the cookie (at most) but cannot know the token. Null without a cookie.
    /// </summary>
    public static string? AntiforgeryToken(HttpContext context) =>
        context.Request.Cookies[CookieName] is { } secret && LooksLikeSecret(secret)
            ? Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes("bot-web-antiforgery\n" + secret)))
            : null;

    /// <summary>True when the request carries its session's anti-forgery token in <see cref="AntiforgeryHeader"/>.</summary>
    public static bool HasAntiforgeryToken(HttpContext context)
    {
        var expected = AntiforgeryToken(context);
        var sent = context.Request.Headers[AntiforgeryHeader].ToString();
        return expected is not null && sent.Length == expected.Length
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(sent), Encoding.ASCII.GetBytes(expected));
    }

    /// <summary>The name a user goes by (their first channel's display name).</summary>
    public async Task<string?> DisplayNameAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT display_name FROM users WHERE id = $1");
        command.Parameters.Add(new() { Value = userId });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    private CookieOptions CookieOptions(HttpContext context, DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        Secure = context.Request.IsHttps || options.Value.PublicBaseUrl?.StartsWith("https://", StringComparison.OrdinalIgnoreCase) == true,
        // Lax, not Strict: a person who follows a link to the web app from their chat app (a top-level navigation from
        // another site) arrives signed in. Lax still keeps the cookie off other sites' POSTs, frames and fetches, and
        // every state-changing call needs the anti-forgery header as well.
        SameSite = SameSiteMode.Lax,
        Path = "/",
        Expires = expires,
    };

    private static bool LooksLikeSecret(string? secret) =>
        secret is { Length: 43 } && secret.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} signed in to the web app ({Method})")]
    private static partial void LogSignedIn(ILogger logger, Guid userId, string method);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} signed out of the web app ({Sessions} session(s) ended)")]
    private static partial void LogSignedOut(ILogger logger, Guid userId, int sessions);
}
