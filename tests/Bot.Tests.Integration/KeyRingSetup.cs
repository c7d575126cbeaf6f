using Bot.BotHost.KeyRing;
using Bot.Finance.Bank;
using Bot.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Tests.Integration;

/// <summary>
/// Data Protection set up as any program could against a bot database: the same application name and the key ring
/// table, with the key files only when given. Used to write keys as the bot did before key files (none given) and to
/// play someone who holds a copy of the database but not the key file.
/// </summary>
public sealed class KeyRingSetup : IDisposable
{
    private readonly ServiceProvider services;

    public KeyRingSetup(string connectionString, KeyFiles? keys)
    {
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddSingleton(TimeProvider.System);
        collection.AddBotStorage(connectionString);
        collection.AddSingleton<DbXmlRepository>();
        if (keys is not null)
        {
            collection.AddSingleton(keys);
        }
        collection.AddDataProtection().SetApplicationName(KeyRingServiceCollectionExtensions.ApplicationName);
        collection.AddOptions<KeyManagementOptions>().Configure<DbXmlRepository>((options, repository) =>
        {
            options.XmlRepository = repository;
            if (keys is not null)
            {
                options.XmlEncryptor = new KeyFileXmlEncryptor(keys);
            }
        });
        services = collection.BuildServiceProvider();
    }

    /// <summary>The bot's own protector of bank access tokens, over this setup's key ring.</summary>
    public BankTokenProtector BankTokens => new(services.GetRequiredService<IDataProtectionProvider>());

    public Task MigrateAsync() => services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);

    public void Dispose() => services.Dispose();
}
