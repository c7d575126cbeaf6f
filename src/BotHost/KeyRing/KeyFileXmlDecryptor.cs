using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.BotHost.KeyRing;

/// <summary>
/// The other half of <see cref="KeyFileXmlEncryptor"/>. Data Protection creates it by type name (stored in each
/// key's XML: do not rename or move this class) with the service provider, where it finds the key files.
/// </summary>
public sealed class KeyFileXmlDecryptor : IXmlDecryptor
{
    private readonly KeyFiles keys;

    public KeyFileXmlDecryptor(IServiceProvider services)
        : this(services.GetService<KeyFiles>() ?? throw new System.Security.Cryptography.CryptographicException(
            $"The Data Protection key ring is encrypted with a key file, and none is configured ({KeyRingOptions.KeyFileSetting})."))
    {
    }

    public KeyFileXmlDecryptor(KeyFiles keys) => this.keys = keys;

    public XElement Decrypt(XElement encryptedElement) => KeyFileXmlEncryptor.Decrypt(encryptedElement, keys);
}
