using System.Security.Cryptography;
using System.Xml.Linq;
using Bot.BotHost.Hosting;
using Bot.BotHost.KeyRing;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Tests.Unit.KeyRing;

/// <summary>The key file encryptor of the Data Protection key ring: AES-256-GCM, authenticated, with a key file id.</summary>
public class KeyFileEncryptionTests
{
    private static readonly XNamespace Dp = KeyRingReencryption.DataProtectionNamespace;

    private static KeyFile NewKey() => KeyFile.FromKey(RandomNumberGenerator.GetBytes(KeyFile.KeyBytes));

    /// <summary>A key element as Data Protection writes it without an encryptor: its master key in plaintext.</summary>
    private static XElement PlaintextKeyElement(string secret) => new("key",
        new XAttribute("id", Guid.NewGuid()), new XAttribute("version", 1),
        new XElement("descriptor",
            new XElement("descriptor",
                new XElement("encryption", new XAttribute("algorithm", "AES_256_CBC")),
                new XElement("masterKey", new XAttribute(Dp + "requiresEncryption", "true"), new XElement("value", secret)))));

    [Fact]
    public void A_secret_round_trips_and_its_ciphertext_names_the_key_file_but_not_the_secret()
    {
        var keys = new KeyFiles(NewKey());
        var secret = new XElement("masterKey", new XElement("value", "c2VjcmV0LW1hc3Rlci1rZXk="));

        var info = new KeyFileXmlEncryptor(keys).Encrypt(secret);

        Assert.Equal(typeof(KeyFileXmlDecryptor), info.DecryptorType);
        var text = info.EncryptedElement.ToString();
        Assert.DoesNotContain("c2VjcmV0LW1hc3Rlci1rZXk=", text, StringComparison.Ordinal);
        Assert.Equal(keys.Current.Id, (string?)info.EncryptedElement.Attribute(KeyFileXmlEncryptor.KeyFileAttribute));
        Assert.Equal(16, keys.Current.Id.Length);
        Assert.True(XNode.DeepEquals(secret, new KeyFileXmlDecryptor(keys).Decrypt(info.EncryptedElement)));
        // A fresh nonce each time: the same secret never encrypts the same way twice.
        Assert.NotEqual(text, new KeyFileXmlEncryptor(keys).Encrypt(secret).EncryptedElement.ToString());
    }

    [Fact]
    public void A_changed_ciphertext_or_key_file_id_fails_authentication()
    {
        var first = NewKey();
        var second = NewKey();
        var keys = new KeyFiles(first, second);
        var encrypted = new KeyFileXmlEncryptor(keys).Encrypt(new XElement("masterKey", "secret")).EncryptedElement;

        var flipped = new XElement(encrypted);
        var value = flipped.Element(KeyFileXmlEncryptor.Namespace + "value")!;
        var bytes = Convert.FromBase64String(value.Value);
        bytes[^20] ^= 1;
        value.Value = Convert.ToBase64String(bytes);
        Assert.ThrowsAny<CryptographicException>(() => new KeyFileXmlDecryptor(keys).Decrypt(flipped));

        // The id is bound into the tag: relabelling the ciphertext as another configured key file does not decrypt it.
        var relabelled = new XElement(encrypted);
        relabelled.SetAttributeValue(KeyFileXmlEncryptor.KeyFileAttribute, second.Id);
        Assert.ThrowsAny<CryptographicException>(() => new KeyFileXmlDecryptor(keys).Decrypt(relabelled));
    }

    [Fact]
    public void Another_key_file_cannot_decrypt_and_the_error_names_the_settings()
    {
        var encrypted = new KeyFileXmlEncryptor(new KeyFiles(NewKey())).Encrypt(new XElement("masterKey", "secret")).EncryptedElement;
        var error = Assert.ThrowsAny<CryptographicException>(() => new KeyFileXmlDecryptor(new KeyFiles(NewKey())).Decrypt(encrypted));
        Assert.Contains("DataProtection:KeyFile", error.Message, StringComparison.Ordinal);
        Assert.Contains("DataProtection:PreviousKeyFiles", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plaintext_keys_and_keys_of_a_previous_key_file_are_brought_under_the_current_one()
    {
        var old = NewKey();
        var current = NewKey();
        var plaintext = PlaintextKeyElement("UExBSU5URVhULU1BU1RFUi1LRVk=");

        var fromPlaintext = KeyRingReencryption.Reencrypt(plaintext, new KeyFiles(old), out var state);
        Assert.Equal(KeyElementState.WasPlaintext, state);
        Assert.DoesNotContain("UExBSU5URVhULU1BU1RFUi1LRVk=", fromPlaintext!.ToString(), StringComparison.Ordinal);
        Assert.False(KeyRingReencryption.HoldsPlaintextSecret(fromPlaintext));
        Assert.Equal([old.Id], KeyRingReencryption.KeyFileIds(fromPlaintext));
        Assert.Null(KeyRingReencryption.Reencrypt(fromPlaintext, new KeyFiles(old), out state));
        Assert.Equal(KeyElementState.Current, state);

        var rotated = KeyRingReencryption.Reencrypt(fromPlaintext, new KeyFiles(current, old), out state);
        Assert.Equal(KeyElementState.WasPreviousKeyFile, state);
        Assert.Equal([current.Id], KeyRingReencryption.KeyFileIds(rotated!));
        var wrapper = rotated!.Descendants(Dp + "encryptedSecret").Single();
        Assert.Equal(typeof(KeyFileXmlDecryptor).AssemblyQualifiedName, (string?)wrapper.Attribute("decryptorType"));
        var masterKey = new KeyFileXmlDecryptor(new KeyFiles(current)).Decrypt(wrapper.Elements().Single());
        Assert.Equal("UExBSU5URVhULU1BU1RFUi1LRVk=", masterKey.Element("value")!.Value);

        Assert.ThrowsAny<CryptographicException>(() => KeyRingReencryption.Reencrypt(fromPlaintext, new KeyFiles(current), out _));
    }

    [Fact]
    public void Data_Protection_reads_its_key_ring_back_only_with_the_key_file()
    {
        var repository = new MemoryXmlRepository();
        var keys = new KeyFiles(NewKey());
        var payload = Provider(repository, keys).CreateProtector("test").Protect("access-sandbox-secret");

        Assert.All(repository.GetAllElements(), e => Assert.False(KeyRingReencryption.HoldsPlaintextSecret(e)));
        Assert.DoesNotContain(repository.GetAllElements(), e => e.ToString().Contains("masterKey", StringComparison.Ordinal));
        Assert.Equal("access-sandbox-secret", Provider(repository, keys).CreateProtector("test").Unprotect(payload));
        Assert.ThrowsAny<CryptographicException>(() => Provider(repository, new KeyFiles(NewKey())).CreateProtector("test").Unprotect(payload));
        Assert.ThrowsAny<CryptographicException>(() => Provider(repository, null).CreateProtector("test").Unprotect(payload));
    }

    [Fact]
    public void A_missing_or_malformed_key_file_is_refused_with_the_setting_named()
    {
        var missing = Assert.Throws<StartupConfigurationException>(() => KeyFiles.Load(new KeyRingOptions()));
        Assert.Contains("DataProtection:KeyFile is not set", missing.Message, StringComparison.Ordinal);

        var path = Path.Combine(Path.GetTempPath(), "bot-missing-" + Guid.NewGuid().ToString("N"));
        var absent = Assert.Throws<StartupConfigurationException>(() => KeyFiles.Load(new KeyRingOptions { KeyFile = path }));
        Assert.Contains("DataProtection:KeyFile names '" + path + "'", absent.Message, StringComparison.Ordinal);

        File.WriteAllText(path, Convert.ToBase64String(new byte[16]));
        try
        {
            var shortKey = Assert.Throws<StartupConfigurationException>(() => KeyFiles.Load(new KeyRingOptions { KeyFile = path }));
            Assert.Contains("256-bit key", shortKey.Message, StringComparison.Ordinal);
            File.WriteAllText(path, Convert.ToBase64String(new byte[32]) + "\n");
            var previous = Assert.Throws<StartupConfigurationException>(() => KeyFiles.Load(new KeyRingOptions { KeyFile = path, PreviousKeyFiles = [path + ".old"] }));
            Assert.Contains("DataProtection:PreviousKeyFiles", previous.Message, StringComparison.Ordinal);
            Assert.Equal(KeyFile.FromKey(new byte[32]).Id, KeyFiles.Load(new KeyRingOptions { KeyFile = path }).Current.Id);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static IDataProtectionProvider Provider(IXmlRepository repository, KeyFiles? keys)
    {
        var services = new ServiceCollection();
        if (keys is not null)
        {
            services.AddSingleton(keys);
        }
        services.AddDataProtection().SetApplicationName(KeyRingServiceCollectionExtensions.ApplicationName);
        services.Configure<KeyManagementOptions>(options =>
        {
            options.XmlRepository = repository;
            if (keys is not null)
            {
                options.XmlEncryptor = new KeyFileXmlEncryptor(keys);
            }
        });
        return services.BuildServiceProvider().GetRequiredService<IDataProtectionProvider>();
    }

    private sealed class MemoryXmlRepository : IXmlRepository
    {
        private readonly List<XElement> elements = [];

        public IReadOnlyCollection<XElement> GetAllElements()
        {
            lock (elements)
            {
                return elements.Select(e => new XElement(e)).ToList();
            }
        }

        public void StoreElement(XElement element, string friendlyName)
        {
            lock (elements)
            {
                elements.Add(new XElement(element));
            }
        }
    }
}
