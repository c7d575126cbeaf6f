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

/// <summary>The user and purpose behind a valid link code.</summary>
public sealed record BankLinkGrant(Guid SessionId, Guid UserId, Guid? BankItemId);

/// <summary>
/// One-time links to the bank-linking page: a random code goes into the URL, only its SHA-256 is stored, and the code
/// is spent when the page posts a public token back (or when it expires), so a forwarded old link links nothing.
/// </summary>
public sealed class BankLinks(BotDbContext db, IOptions<PlaidOptions> options, TimeProvider clock)
{
    public const string PathPrefix = "/link/plaid/";

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
            .Select(s => new BankLinkGrant(s.Id, s.UserId, s.BankItemId))
            .SingleOrDefaultAsync(cancellationToken);
    }

    /// <summary>Spends a code: true for exactly one caller, however many post it at once.</summary>
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
