using System.Security.Cryptography;
using System.Text;
using Bot.Finance.Plaid;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using static Bot.Pipeline.Sql;

namespace Bot.Finance.Bank;

/// <summary>A one-time bank-link URL and when it stops working.</summary>
public sealed record BankLinkUrl(string Url, DateTimeOffset ExpiresAt);

/// <summary>
/// The user and purpose behind a valid link code: <see cref="BankItemId"/> for a repair (update mode), and
/// <see cref="LinkedBankItemId"/> once an earlier attempt stored the new connection's access token.
/// </summary>
public sealed record BankLinkGrant(Guid SessionId, Guid UserId, Guid? BankItemId, Guid? LinkedBankItemId = null);

/// <summary>
/// One-time links to the bank-linking page: a random code goes into the URL, only its SHA-256 is stored, and the code
/// is spent once the link has completed (or when it expires), so a forwarded old link links nothing. Until then a
/// failed attempt can be retried: a short claim lets only one request exchange the public token at a time, and once
/// the access token is stored the session names its item, so a retry finishes the remaining steps instead.
/// The sessions table is SQL-only, like the items it points at: the step that stores the access token records it on
/// the session in the same statement (<see cref="PlaidBankProvider"/>), and every step here is one guarded statement.
/// </summary>
public sealed class BankLinks(NpgsqlDataSource dataSource, IOptions<PlaidOptions> options, TimeProvider clock)
{
    /// <summary>
    /// The link page's path. The code travels in the query (<see cref="CodeParameter"/>), never in the path: ASP.NET
    /// Core puts the request path in the scope of every log line written during a request, so a code in the path would
    /// reach the log.
    /// </summary>
    public const string Path = "/link/plaid";

    public const string CodeParameter = "c";

    /// <summary>The page's address for <paramref name="code"/>, relative to the site's base.</summary>
    public static string PathFor(string code) => Path + "?" + CodeParameter + "=" + Uri.EscapeDataString(code);

    /// <summary>How long one request may hold a code while it exchanges the public token (Plaid's client times out at 30 s).</summary>
    public static readonly TimeSpan ClaimTime = TimeSpan.FromMinutes(2);

    public async Task<BankLinkUrl> CreateAsync(Guid userId, Guid? bankItemId, CancellationToken cancellationToken)
    {
        var code = Base64Url(RandomNumberGenerator.GetBytes(24));
        var now = clock.GetUtcNow();
        var expiresAt = now.AddMinutes(options.Value.LinkMinutes);
        await using (var command = Command(dataSource,
            "INSERT INTO bank_link_sessions (id, user_id, code_hash, bank_item_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
            Guid.CreateVersion7(now), userId, Hash(code), new NpgsqlParameter { Value = (object?)bankItemId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid }, now, expiresAt))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        var baseUrl = options.Value.PublicBaseUrl?.TrimEnd('/') ?? string.Empty;
        return new BankLinkUrl(baseUrl + PathFor(code), expiresAt);
    }

    /// <summary>The grant of a code that is unused and unexpired; null otherwise.</summary>
    public async Task<BankLinkGrant?> FindAsync(string code, CancellationToken cancellationToken)
    {
        if (!LooksLikeCode(code))
        {
            return null;
        }
        await using var command = Command(dataSource,
            "SELECT id, user_id, bank_item_id, linked_bank_item_id FROM bank_link_sessions WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2",
            Hash(code), clock.GetUtcNow());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        // The code hash is unique: one row at most.
        return await reader.ReadAsync(cancellationToken)
            ? new BankLinkGrant(reader.GetGuid(0), reader.GetGuid(1), reader.IsDBNull(2) ? null : reader.GetGuid(2), reader.IsDBNull(3) ? null : reader.GetGuid(3))
            : null;
    }

    /// <summary>True when the code belonged to a link that completed (so a late retry can say so rather than "expired").</summary>
    public async Task<bool> CompletedAsync(string code, CancellationToken cancellationToken)
    {
        if (!LooksLikeCode(code))
        {
            return false;
        }
        await using var command = Command(dataSource,
            """
            SELECT EXISTS (SELECT 1 FROM bank_link_sessions
                           WHERE code_hash = $1 AND used_at IS NOT NULL AND (linked_bank_item_id IS NOT NULL OR bank_item_id IS NOT NULL))
            """, Hash(code));
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>
    /// Claims a code for exchanging its public token: true for exactly one caller at a time, and never once a
    /// connection is stored for it. The claim ends when the token is stored, on <see cref="ReleaseAsync"/>, or after
    /// <see cref="ClaimTime"/>.
    /// </summary>
    public async Task<bool> ClaimAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var command = Command(dataSource,
            """
            UPDATE bank_link_sessions SET claimed_until = $3
            WHERE id = $1 AND used_at IS NULL AND linked_bank_item_id IS NULL AND expires_at > $2 AND (claimed_until IS NULL OR claimed_until <= $2)
            """, sessionId, now, now + ClaimTime);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Ends a claim after a failed exchange, so the person can try again at once.</summary>
    public async Task ReleaseAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        await using var command = Command(dataSource, "UPDATE bank_link_sessions SET claimed_until = NULL WHERE id = $1 AND linked_bank_item_id IS NULL", sessionId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Spends a code once the link is complete: true for exactly one caller, however many post it at once.</summary>
    public async Task<bool> SpendAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        await using var command = Command(dataSource,
            "UPDATE bank_link_sessions SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND expires_at > $2", sessionId, clock.GetUtcNow());
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static bool LooksLikeCode(string code) =>
        code.Length == 32 && code.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static string Hash(string code) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(code)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
