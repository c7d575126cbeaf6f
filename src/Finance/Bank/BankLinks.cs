using System.Security.Cryptography;
using System.Text;
using Bot.Finance.Plaid;
using Bot.Storage;
using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

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
/// </summary>
public sealed class BankLinks(BotDbContext db, IOptions<PlaidOptions> options, TimeProvider clock)
{
    public const string PathPrefix = "/link/plaid/";

    /// <summary>How long one request may hold a code while it exchanges the public token (Plaid's client times out at 30 s).</summary>
    public static readonly TimeSpan ClaimTime = TimeSpan.FromMinutes(2);

    public async Task<BankLinkUrl> CreateAsync(Guid userId, Guid? bankItemId, CancellationToken cancellationToken)
    {
        var code = Base64Url(RandomNumberGenerator.GetBytes(24));
        var now = clock.GetUtcNow();
        var session = new BankLinkSession
        {
            UserId = userId,
            CodeHash = Hash(code),
            BankItemId = bankItemId,
            CreatedAt = now,
            ExpiresAt = now.AddMinutes(options.Value.LinkMinutes),
        };
        db.Add(session);
        await db.SaveChangesAsync(cancellationToken);
        var baseUrl = options.Value.PublicBaseUrl?.TrimEnd('/') ?? string.Empty;
        return new BankLinkUrl(baseUrl + PathPrefix + code, session.ExpiresAt);
    }

    /// <summary>The grant of a code that is unused and unexpired; null otherwise.</summary>
    public async Task<BankLinkGrant?> FindAsync(string code, CancellationToken cancellationToken)
    {
        if (!LooksLikeCode(code))
        {
            return null;
        }
        var hash = Hash(code);
        var now = clock.GetUtcNow();
        return await db.Set<BankLinkSession>().AsNoTracking()
            .Where(s => s.CodeHash == hash && s.UsedAt == null && s.ExpiresAt > now)
            .Select(s => new BankLinkGrant(s.Id, s.UserId, s.BankItemId, s.LinkedBankItemId))
            .SingleOrDefaultAsync(cancellationToken);
    }

    /// <summary>True when the code belonged to a link that completed (so a late retry can say so rather than "expired").</summary>
    public async Task<bool> CompletedAsync(string code, CancellationToken cancellationToken)
    {
        if (!LooksLikeCode(code))
        {
            return false;
        }
        var hash = Hash(code);
        return await db.Set<BankLinkSession>().AsNoTracking()
            .AnyAsync(s => s.CodeHash == hash && s.UsedAt != null && (s.LinkedBankItemId != null || s.BankItemId != null), cancellationToken);
    }

    /// <summary>
    /// Claims a code for exchanging its public token: true for exactly one caller at a time, and never once a
    /// connection is stored for it. The claim ends when the token is stored, on <see cref="ReleaseAsync"/>, or after
    /// <see cref="ClaimTime"/>.
    /// </summary>
    public async Task<bool> ClaimAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var until = now + ClaimTime;
        return await db.Set<BankLinkSession>()
            .Where(s => s.Id == sessionId && s.UsedAt == null && s.LinkedBankItemId == null && s.ExpiresAt > now
                && (s.ClaimedUntil == null || s.ClaimedUntil <= now))
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.ClaimedUntil, until), cancellationToken) == 1;
    }

    /// <summary>Ends a claim after a failed exchange, so the person can try again at once.</summary>
    public async Task ReleaseAsync(Guid sessionId, CancellationToken cancellationToken) =>
        await db.Set<BankLinkSession>()
            .Where(s => s.Id == sessionId && s.LinkedBankItemId == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.ClaimedUntil, (DateTimeOffset?)null), cancellationToken);

    /// <summary>Spends a code once the link is complete: true for exactly one caller, however many post it at once.</summary>
    public async Task<bool> SpendAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        return await db.Set<BankLinkSession>()
            .Where(s => s.Id == sessionId && s.UsedAt == null && s.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.UsedAt, now), cancellationToken) == 1;
    }

    private static bool LooksLikeCode(string code) =>
        code.Length == 32 && code.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static string Hash(string code) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(code)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
