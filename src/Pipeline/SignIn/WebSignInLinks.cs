using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bot.Pipeline.SignIn;

/// <summary>A one-time sign-in link and when it stops working.</summary>
public sealed record WebSignInLink(string Url, DateTimeOffset ExpiresAt);

/// <summary>What a sign-in token is now: usable (with its user), already used, expired, or not one this service made.</summary>
public enum WebSignInLinkState
{
    Unknown,
    Usable,
    Used,
    Expired,
}

/// <summary>The state of a sign-in token and, when it is usable or was just spent, the user it signs in.</summary>
public sealed record WebSignInLinkStatus(WebSignInLinkState State, Guid? UserId = null);

/// <summary>
/// One-time links that sign a person in to the web app (<c>/web</c> in any chat; later the Slack App Home button).
/// The token is 256 random bits in the URL's query (<c>/signin?t=TOKEN</c>: ASP.NET Core's request logging scope
/// carries the path, never the query, so a log line written while the link is open cannot hold the token); only its
/// SHA-256 is stored. A link works for <see cref="Lifetime"/> and
/// once: spending it is one guarded UPDATE, so two requests with the same token cannot both sign in.
/// </summary>
public sealed class WebSignInLinks(NpgsqlDataSource dataSource, IOptions<WebSignInOptions> options, TimeProvider clock)
{
    /// <summary>The path of a link (<c>/signin?t=TOKEN</c>).</summary>
    public const string Path = "/signin";

    /// <summary>The query parameter (and form field) that carries the token.</summary>
    public const string TokenParameter = "t";

    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    /// <summary>Makes a link for <paramref name="userId"/>; <see cref="WebSignInOptions.PublicBaseUrl"/> must be set.</summary>
    public async Task<WebSignInLink> IssueAsync(Guid userId, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.CanMakeLinks)
        {
            throw new InvalidOperationException("Web:PublicBaseUrl is not set, so no sign-in link can be made.");
        }
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = clock.GetUtcNow();
        var expires = now + Lifetime;
        await using var batch = dataSource.CreateBatch();
        // Links of this user that can no longer be used are dropped as new ones are made.
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM web_sign_in_links WHERE user_id = $1 AND expires_at < $2")
        {
            Parameters = { new() { Value = userId }, new() { Value = now - Lifetime } },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "INSERT INTO web_sign_in_links (id, user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        {
            Parameters =
            {
                new() { Value = Guid.CreateVersion7(now) }, new() { Value = userId }, new() { Value = Hash(token) },
                new() { Value = now }, new() { Value = expires },
            },
        });
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return new WebSignInLink($"{settings.PublicBaseUrl!.TrimEnd('/')}{Path}?{TokenParameter}={token}", expires);
    }

    /// <summary>What <paramref name="token"/> is now, without spending it (the confirmation page).</summary>
    public async Task<WebSignInLinkStatus> PeekAsync(string token, CancellationToken cancellationToken)
    {
        if (!LooksLikeToken(token))
        {
            return new WebSignInLinkStatus(WebSignInLinkState.Unknown);
        }
        await using var command = dataSource.CreateCommand("SELECT user_id, used_at, expires_at FROM web_sign_in_links WHERE token_hash = $1");
        command.Parameters.Add(new() { Value = Hash(token) });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return new WebSignInLinkStatus(WebSignInLinkState.Unknown);
        }
        if (!reader.IsDBNull(1))
        {
            return new WebSignInLinkStatus(WebSignInLinkState.Used);
        }
        return reader.GetFieldValue<DateTimeOffset>(2) <= clock.GetUtcNow()
            ? new WebSignInLinkStatus(WebSignInLinkState.Expired)
            : new WebSignInLinkStatus(WebSignInLinkState.Usable, reader.GetGuid(0));
    }

    /// <summary>
    /// Spends <paramref name="token"/>: <see cref="WebSignInLinkState.Usable"/> with the user for exactly one caller;
    /// every other caller learns why not (used, expired, unknown).
    /// </summary>
    public async Task<WebSignInLinkStatus> SpendAsync(string token, CancellationToken cancellationToken)
    {
        if (!LooksLikeToken(token))
        {
            return new WebSignInLinkStatus(WebSignInLinkState.Unknown);
        }
        await using var command = dataSource.CreateCommand(
            "UPDATE web_sign_in_links SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_id");
        command.Parameters.Add(new() { Value = Hash(token) });
        command.Parameters.Add(new() { Value = clock.GetUtcNow() });
        return await command.ExecuteScalarAsync(cancellationToken) is Guid userId
            ? new WebSignInLinkStatus(WebSignInLinkState.Usable, userId)
            : await PeekAsync(token, cancellationToken);
    }

    /// <summary>43 base64url characters: the shape of every token <see cref="IssueAsync"/> makes.</summary>
    public static bool LooksLikeToken(string? token) =>
        token is { Length: 43 } && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(token)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
