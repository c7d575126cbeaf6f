using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Bot.BotHost.KeyRing;

/// <summary>
/// Encrypts the secret part of each Data Protection key (its <c>masterKey</c>) before the key ring writes it to the
/// database: AES-256-GCM under the key file, with a fresh 96-bit nonce, and the key file's id both stored and bound
/// into the tag, so a rotated key file is recognised and a ciphertext cannot be moved under another id.
/// </summary>
public sealed class KeyFileXmlEncryptor(KeyFiles keys) : IXmlEncryptor
{
    public static readonly XNamespace Namespace = "urn:finance-bot:data-protection:key-file:v1";
    public static readonly XName ElementName = Namespace + "encryptedKey";
    public const string KeyFileAttribute = "keyFile";
    public const string Algorithm = "AES-256-GCM";

    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var key = keys.Current;
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var sealedBytes = new byte[NonceBytes + plaintext.Length + TagBytes];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(key.Key, TagBytes))
        {
            aes.Encrypt(nonce, plaintext, sealedBytes.AsSpan(NonceBytes, plaintext.Length), sealedBytes.AsSpan(NonceBytes + plaintext.Length), AssociatedData(key.Id));
        }
        CryptographicOperations.ZeroMemory(plaintext);
        var element = new XElement(ElementName,
            new XAttribute(KeyFileAttribute, key.Id),
            new XAttribute("algorithm", Algorithm),
            new XComment(" Encrypted with the key file named by DataProtection:KeyFile; without that file this key cannot be read. "),
            new XElement(Namespace + "value", Convert.ToBase64String(sealedBytes)));
        return new EncryptedXmlInfo(element, typeof(KeyFileXmlDecryptor));
    }

    /// <summary>Opens what <see cref="Encrypt"/> sealed; throws <see cref="CryptographicException"/> for an unknown key file or a tampered value.</summary>
    internal static XElement Decrypt(XElement encryptedElement, KeyFiles keys)
    {
        if (encryptedElement.Name != ElementName || (string?)encryptedElement.Attribute("algorithm") != Algorithm)
        {
            throw new CryptographicException($"Not a key ring entry encrypted by {nameof(KeyFileXmlEncryptor)}.");
        }
        var id = (string?)encryptedElement.Attribute(KeyFileAttribute) ?? string.Empty;
        var key = keys.Find(id) ?? throw new CryptographicException(
            $"This Data Protection key was encrypted with key file {id}, which is neither {KeyRingOptions.KeyFileSetting} (key file {keys.Current.Id}) nor one of {KeyRingOptions.PreviousKeyFilesSetting}.");
        byte[] sealedBytes;
        try
        {
            sealedBytes = Convert.FromBase64String((string?)encryptedElement.Element(Namespace + "value") ?? string.Empty);
        }
        catch (FormatException exception)
        {
            throw new CryptographicException("The encrypted Data Protection key is not valid base64.", exception);
        }
        if (sealedBytes.Length < NonceBytes + TagBytes)
        {
            throw new CryptographicException("The encrypted Data Protection key is truncated.");
        }
        var length = sealedBytes.Length - NonceBytes - TagBytes;
        var plaintext = new byte[length];
        try
        {
            using var aes = new AesGcm(key.Key, TagBytes);
            aes.Decrypt(sealedBytes.AsSpan(0, NonceBytes), sealedBytes.AsSpan(NonceBytes, length), sealedBytes.AsSpan(NonceBytes + length), plaintext, AssociatedData(id));
            return XElement.Parse(Encoding.UTF8.GetString(plaintext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>The key file this element names (null when it is not ours).</summary>
    internal static string? KeyFileIdOf(XElement encryptedElement) =>
        encryptedElement.Name == ElementName ? (string?)encryptedElement.Attribute(KeyFileAttribute) : null;

    private static byte[] AssociatedData(string keyFileId) => Encoding.ASCII.GetBytes("finance-bot data protection key v1\n" + keyFileId);
}
