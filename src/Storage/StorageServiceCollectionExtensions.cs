using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Bot.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>Registers one pooled <see cref="NpgsqlDataSource"/>, the DbContext over it, and the migrator.</summary>
    public static IServiceCollection AddBotStorage(this IServiceCollection services, string connectionString)
    {
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString).Build());
        services.AddDbContextPool<BotDbContext>((sp, options) =>
            options.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton<DatabaseMigrator>();
        return services;
    }
}
