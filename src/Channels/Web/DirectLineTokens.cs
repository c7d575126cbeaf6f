using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Bot.Channels.Web;

/// <summary>
/// Direct Line tokens: the conversation id, encrypted and signed with the shared Data Protection key ring and
/// stamped with an expiry, so any replica can check one without a lookup.
/// </summary>
public sealed class DirectLineTokens(IDataProtectionProvider provider, IOptions<WebOptions> options)
{
    private readonly ITimeLimitedDataProtector protector =
        provider.CreateProtector("Bot.Channels.Web.DirectLineToken.v1").ToTimeLimitedDataProtector();

    public TimeSpan Lifetime => TimeSpan.FromMinutes(options.Value.TokenMinutes);

    public string Issue(string conversationAddress) => protector.Protect(conversationAddress, Lifetime);

    /// <summary>The conversation a token grants, or null for a forged, damaged or expired token.</summary>
    public string? Validate(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 4096)
        {
            return null;
        }
        try
        {
            return protector.Unprotect(token);
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
