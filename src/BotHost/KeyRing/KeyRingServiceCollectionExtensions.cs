using Bot.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;

namespace Bot.BotHost.KeyRing;

public static class KeyRingServiceCollectionExtensions
{
    public const string ApplicationName = "finance-bot";

    /// <summary>
    /// ASP.NET Core Data Protection with its key ring in PostgreSQL (shared by every replica), each key's secret
    /// encrypted with the key file that <c>DataProtection:KeyFile</c> names. Throws
    /// <see cref="Hosting.StartupConfigurationException"/> when the file is missing or unreadable.
    /// </summary>
    public static IServiceCollection AddKeyRing(this IServiceCollection services, IConfiguration configuration)
    {
        var keys = KeyFiles.Load(configuration.GetSection(KeyRingOptions.Section).Get<KeyRingOptions>() ?? new KeyRingOptions());
        services.AddSingleton(keys);
        services.AddSingleton<DbXmlRepository>();
        // Before Data Protection's own hosted service, which loads (and on an empty ring creates) keys at start: the
        // ring is checked and re-encrypted first, and a key made default here is in the ring that service loads.
        services.AddHostedService<KeyRingStartup>();
        services.AddDataProtection().SetApplicationName(ApplicationName);
        services.AddOptions<KeyManagementOptions>().Configure<DbXmlRepository>((options, repository) =>
        {
            options.XmlRepository = repository;
            options.XmlEncryptor = new KeyFileXmlEncryptor(keys);
        });
        return services;
    }
}
