namespace Bot.BotHost.KeyRing;

/// <summary>The current key file (encrypts) and earlier ones (decrypt only), by id.</summary>
public sealed class KeyFiles
{
    private readonly Dictionary<string, KeyFile> byId = new(StringComparer.Ordinal);

    public KeyFiles(KeyFile current, params IEnumerable<KeyFile> previous)
    {
        Current = current;
        byId[current.Id] = current;
        foreach (var file in previous)
        {
            byId.TryAdd(file.Id, file);
        }
    }

    public KeyFile Current { get; }

    public KeyFile? Find(string id) => byId.GetValueOrDefault(id);

    /// <summary>Loads the files the settings name; throws <see cref="Hosting.StartupConfigurationException"/> naming the setting.</summary>
    public static KeyFiles Load(KeyRingOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.KeyFile))
        {
            throw new Hosting.StartupConfigurationException(
                $"{KeyRingOptions.KeyFileSetting} is not set. It names the key file that encrypts the Data Protection key ring (which protects stored bank and chat tokens) before it is written to the database. "
                + "./bot run creates one in .data/keys; elsewhere create one with `openssl rand -base64 32 > FILE && chmod 600 FILE`, set DataProtection__KeyFile to its path, and back it up apart from the database.");
        }
        var current = KeyFile.Load(options.KeyFile, KeyRingOptions.KeyFileSetting);
        var previous = options.PreviousKeyFiles.Where(p => !string.IsNullOrWhiteSpace(p))
            .Select(p => KeyFile.Load(p, KeyRingOptions.PreviousKeyFilesSetting)).ToList();
        return new KeyFiles(current, previous);
    }
}
