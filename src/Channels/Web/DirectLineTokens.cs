using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Bot.Channels.Web;

/// <summary>
/// Direct Line tokens: the grant (conversation, and for a signed-in person their user and session), encrypted and
/// signed with the shared Data Protection key ring and stamped with an expiry, so any replica can check one without a
/// lookup (a person's token also needs its session to be live: <see cref="WebSessions.IsActiveAsync"/>).
/// </summary>
public sealed class DirectLineTokens(IDataProtectionProvider provider, IOptions<WebOptions> options)
{
    private readonly ITimeLimitedDataProtector protector =
        provider.CreateProtector("Bot.Channels.Web.DirectLineToken.v1").ToTimeLimitedDataProtector();

    public TimeSpan Lifetime => TimeSpan.FromMinutes(options.Value.TokenMinutes);

    public string Issue(DirectLineGrant grant) => protector.Protect(grant.ToPayload(), Lifetime);

    /// <summary>What a token grants, or null for a forged, damaged or expired token.</summary>
    public DirectLineGrant? Validate(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 4096)
        {
            return null;
        }
        try
        {
            return DirectLineGrant.FromPayload(protector.Unprotect(token));
        }
        catch (CryptographicException)
        {
            return null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
