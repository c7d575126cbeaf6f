using System.Security.Cryptography;
using System.Xml.Linq;

namespace Bot.BotHost.KeyRing;

/// <summary>What <see cref="KeyRingReencryption.Reencrypt"/> found in one key ring element.</summary>
public enum KeyElementState
{
    /// <summary>Encrypted with the current key file, or holds no secret (a revocation): nothing to do.</summary>
    Current,
    /// <summary>Held its secret in plaintext (written before key files were used); now encrypted.</summary>
    WasPlaintext,
    /// <summary>Encrypted with a previous key file; now encrypted with the current one.</summary>
    WasPreviousKeyFile,
}

/// <summary>
/// Brings one stored Data Protection key ring element under the current key file, in the format Data Protection
/// itself writes (<c>encryptedSecret</c> with a <c>decryptorType</c>), so its own reader decrypts it as usual. The key
/// inside does not change: what it protected stays readable.
/// </summary>
public static class KeyRingReencryption
{
    public static readonly XNamespace DataProtectionNamespace = "http://schemas.asp.net/2015/03/dataProtection";
    private static readonly XName EncryptedSecret = DataProtectionNamespace + "encryptedSecret";
    private static readonly XName RequiresEncryption = DataProtectionNamespace + "requiresEncryption";

    /// <summary>
    /// The element re-encrypted with the current key file, or null when it already is (or holds no secret). Throws
    /// <see cref="CryptographicException"/> when it is encrypted with a key file that is not configured.
    /// </summary>
    public static XElement? Reencrypt(XElement element, KeyFiles keys, out KeyElementState state)
    {
        var copy = new XElement(element);
        var encryptor = new KeyFileXmlEncryptor(keys);
        state = KeyElementState.Current;

        foreach (var secret in copy.Descendants().Where(e => (string?)e.Attribute(RequiresEncryption) == "true").ToList())
        {
            secret.ReplaceWith(Wrap(encryptor.Encrypt(new XElement(secret)).EncryptedElement));
            state = KeyElementState.WasPlaintext;
        }
        foreach (var wrapper in copy.Descendants(EncryptedSecret).ToList())
        {
            var inner = wrapper.Elements().SingleOrDefault();
            var id = inner is null ? null : KeyFileXmlEncryptor.KeyFileIdOf(inner);
            if (id is null || id == keys.Current.Id)
            {
                continue; // ours and current, or encrypted by something else this service does not manage
            }
            var plaintext = KeyFileXmlEncryptor.Decrypt(inner!, keys);
            wrapper.ReplaceWith(Wrap(encryptor.Encrypt(plaintext).EncryptedElement));
            if (state == KeyElementState.Current)
            {
                state = KeyElementState.WasPreviousKeyFile;
            }
        }
        return state == KeyElementState.Current ? null : copy;
    }

    /// <summary>The key file ids that this element's secrets are encrypted with (none for plaintext).</summary>
    public static IEnumerable<string> KeyFileIds(XElement element) =>
        element.Descendants(EncryptedSecret).Select(w => w.Elements().SingleOrDefault())
            .Select(inner => inner is null ? null : KeyFileXmlEncryptor.KeyFileIdOf(inner)).OfType<string>();

    /// <summary>True when the element holds a secret in plaintext.</summary>
    public static bool HoldsPlaintextSecret(XElement element) =>
        element.DescendantsAndSelf().Any(e => (string?)e.Attribute(RequiresEncryption) == "true");

    private static XElement Wrap(XElement encrypted) =>
        new(EncryptedSecret, new XAttribute("decryptorType", typeof(KeyFileXmlDecryptor).AssemblyQualifiedName!), encrypted);
}
