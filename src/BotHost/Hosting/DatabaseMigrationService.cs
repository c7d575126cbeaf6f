using Bot.Storage;
using Npgsql;

namespace Bot.BotHost.Hosting;

/// <summary>Applies the schema migrations before anything else starts; waits a while for the database to come up.</summary>
public sealed partial class DatabaseMigrationService(
    DatabaseMigrator migrator,
    NpgsqlDataSource dataSource,
    IConfiguration configuration,
    ILogger<DatabaseMigrationService> logger) : IHostedService
{
    /// <summary>How long to wait for the database at start (<c>Database:StartupWaitSeconds</c>, default 60).</summary>
    private TimeSpan GiveUpAfter => TimeSpan.FromSeconds(configuration.GetValue("Database:StartupWaitSeconds", 60));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await migrator.MigrateAsync(cancellationToken);
                return;
            }
            catch (NpgsqlException exception) when (exception.IsTransient && DateTimeOffset.UtcNow - started < GiveUpAfter)
            {
                LogWaiting(logger, Describe(), exception.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 5)), cancellationToken);
            }
            catch (NpgsqlException exception)
            {
                throw new StartupConfigurationException(
                    $"Cannot prepare the database {Describe()} named by ConnectionStrings:Bot: {exception.Message}");
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Host, port and database, never the password.</summary>
    private string Describe()
    {
        var settings = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        return $"'{settings.Database}' on {settings.Host}:{settings.Port}";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Waiting for PostgreSQL {Database}: {Error}")]
    private static partial void LogWaiting(ILogger logger, string database, string error);
}
