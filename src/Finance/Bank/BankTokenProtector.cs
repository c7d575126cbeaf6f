using Microsoft.AspNetCore.DataProtection;

namespace Bot.Finance.Bank;

/// <summary>
/// Encrypts bank access tokens for storage with the host's Data Protection key ring (kept in PostgreSQL and shared
/// by every replica). The plaintext exists only in memory for the call that needs it.
/// </summary>
public sealed class BankTokenProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector protector = provider.CreateProtector("Bot.Finance.BankAccessToken.v1");

    public string Protect(string accessToken) => protector.Protect(accessToken);

    public string Unprotect(string protectedToken) => protector.Unprotect(protectedToken);
}
