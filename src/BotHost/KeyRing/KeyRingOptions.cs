namespace Bot.BotHost.KeyRing;

/// <summary>
/// Where the key that encrypts the Data Protection key ring at rest lives (section <c>DataProtection</c>). The key ring
/// itself is in PostgreSQL, shared by every replica; this key is not, so a copy of the database alone decrypts nothing.
/// </summary>
public sealed class KeyRingOptions
{
    public const string Section = "DataProtection";

    /// <summary>A file holding a 256-bit key as base64 (<c>openssl rand -base64 32</c>). Required.</summary>
    public string? KeyFile { get; set; }

    /// <summary>Earlier key files, read only to decrypt (and re-encrypt) key ring entries after a rotation.</summary>
    public List<string> PreviousKeyFiles { get; set; } = [];

    public const string KeyFileSetting = Section + ":" + nameof(KeyFile);

    public const string PreviousKeyFilesSetting = Section + ":" + nameof(PreviousKeyFiles);
}
