using System.Security.Cryptography;
using Bot.BotHost.Hosting;
using Bot.Storage;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;

namespace Bot.BotHost.KeyRing;

/// <summary>
/// Runs once at start, after the migrations: refuses to start when the database's key ring was encrypted with a key
/// file that is not configured (a wrong or lost file would otherwise make every stored token unreadable without a
/// word), and brings every stored key under the current key file: keys written in plaintext before key files were
/// used, and keys from a previous key file after a rotation. When plaintext keys were found, a fresh key becomes the
/// default at once, so nothing protected from now on depends on a key that a database copy may hold in the clear.
/// </summary>
public sealed partial class KeyRingStartup(
    DbXmlRepository repository,
    KeyFiles keys,
    IKeyManager keyManager,
    IOptions<KeyManagementOptions> keyOptions,
    TimeProvider clock,
    ILogger<KeyRingStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        WarnIfReadableByOthers(keys.Current.Path);
        var stored = repository.GetStoredElements();
        var unknown = stored.SelectMany(e => KeyRingReencryption.KeyFileIds(e.Element)).Where(id => keys.Find(id) is null).Distinct().ToList();
        if (unknown.Count > 0)
        {
            throw new StartupConfigurationException(
                $"The Data Protection key ring in the database is encrypted with key file {string.Join(", ", unknown)}, but {KeyRingOptions.KeyFileSetting} ('{keys.Current.Path}') is key file {keys.Current.Id} "
                + $"and {KeyRingOptions.PreviousKeyFilesSetting} holds no file with that id. Start with the key file this database was set up with (restore it from your backup). "
                + "If it is lost for good, the stored tokens cannot be read again: see README (\"The key file\") for how to start over.");
        }

        int plaintext = 0, rotated = 0;
        foreach (var element in stored)
        {
            var replacement = KeyRingReencryption.Reencrypt(element.Element, keys, out var state);
            if (replacement is null || !await repository.ReplaceElementAsync(element, replacement, cancellationToken))
            {
                continue; // current already, or another replica re-encrypted it a moment ago
            }
            if (state == KeyElementState.WasPlaintext)
            {
                plaintext++;
            }
            else
            {
                rotated++;
            }
        }
        if (rotated > 0)
        {
            LogRotated(logger, rotated, keys.Current.Id);
        }
        if (plaintext > 0)
        {
            var now = clock.GetUtcNow();
            var key = keyManager.CreateNewKey(now, now + keyOptions.Value.NewKeyLifetime);
            LogPlaintextReplaced(logger, plaintext, keys.Current.Id, key.KeyId);
        }
        LogEncrypted(logger, keys.Current.Id, keys.Current.Path);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void WarnIfReadableByOthers(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        var mode = File.GetUnixFileMode(path);
        if ((mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
        {
            LogReadableByOthers(logger, path);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The Data Protection key ring is encrypted at rest with key file {KeyFileId} ({Path}); back that file up apart from the database")]
    private static partial void LogEncrypted(ILogger logger, string keyFileId, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The key file {Path} can be read or written by other users; restrict it to the service's user (chmod 600)")]
    private static partial void LogReadableByOthers(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Re-encrypted {Count} Data Protection key(s) from a previous key file with the current key file {KeyFileId}; once every replica runs with it, the previous file can leave DataProtection:PreviousKeyFiles")]
    private static partial void LogRotated(ILogger logger, int count, string keyFileId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} Data Protection key(s) were stored unencrypted (written before key files were used). They are now encrypted with key file {KeyFileId}, and a new key {KeyId} is the default from now on; the old keys stay, so tokens stored under them remain readable. Database copies made before now still hold those keys in plaintext, and with them the tokens stored under them: delete such copies, or have people relink their banks")]
    private static partial void LogPlaintextReplaced(ILogger logger, int count, string keyFileId, Guid keyId);
}
