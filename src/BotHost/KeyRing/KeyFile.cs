using System.Security.Cryptography;
using System.Text;
using Bot.BotHost.Hosting;

namespace Bot.BotHost.KeyRing;

/// <summary>
/// One key file: 32 random bytes written as base64. Its id (a hash of the key, never the key) is stored beside each
/// ciphertext, so a rotated file can still be told apart from the current one.
/// </summary>
public sealed class KeyFile
{
    public const int KeyBytes = 32;

    private KeyFile(string id, byte[] key, string path)
    {
        Id = id;
        Key = key;
        Path = path;
    }

    /// <summary>The first 16 hex digits of SHA-256 over a label and the key: names the key without revealing it.</summary>
    public string Id { get; }

    public string Path { get; }

    internal byte[] Key { get; }

    public static KeyFile FromKey(byte[] key, string path = "(memory)")
    {
        if (key.Length != KeyBytes)
        {
            throw new ArgumentException($"A key file holds {KeyBytes} bytes.", nameof(key));
        }
        var id = Convert.ToHexStringLower(SHA256.HashData([.. "finance-bot key file id v1\n"u8, .. key]))[..16];
        return new KeyFile(id, key.ToArray(), path);
    }

    /// <summary>Reads a key file; <paramref name="setting"/> names the setting in every error.</summary>
    public static KeyFile Load(string path, string setting)
    {
        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.ASCII);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new StartupConfigurationException(
                $"{setting} names '{path}', which cannot be read ({exception.Message}). It must be the key file that encrypts the Data Protection key ring in the database; restore it from your backup, or see README (\"The key file\").");
        }
        byte[] key;
        try
        {
            key = Convert.FromBase64String(text.Trim());
        }
        catch (FormatException)
        {
            key = [];
        }
        if (key.Length != KeyBytes)
        {
            throw new StartupConfigurationException(
                $"{setting} names '{path}', which does not hold a {KeyBytes * 8}-bit key as base64 (create one with: openssl rand -base64 32 > FILE).");
        }
        return FromKey(key, path);
    }
}
