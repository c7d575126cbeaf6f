using System.Reflection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Bot.Storage;

/// <summary>
/// Applies the ordered SQL scripts embedded in this assembly (Migrations/NNNN_name.sql), each in its own
/// transaction, under a PostgreSQL advisory lock so that replicas starting together apply each script once.
/// EF Core's design-time tooling does not restore here, so the schema is plain, reviewable SQL.
/// </summary>
public sealed partial class DatabaseMigrator(NpgsqlDataSource dataSource, ILogger<DatabaseMigrator> logger)
{
    private const long AdvisoryLockKey = 0x426F_744D_6967; // "BotMig"
    private const string ResourcePrefix = "Bot.Storage.Migrations.";

    public static IReadOnlyList<(string Version, string Sql)> Scripts { get; } = LoadScripts();

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // The lock comes first: even CREATE TABLE IF NOT EXISTS races with itself across connections.
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({AdvisoryLockKey})", connection))
        {
            await take.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            await using (var create = new NpgsqlCommand(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                connection))
            {
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            var applied = await AppliedVersionsAsync(connection, cancellationToken);
            foreach (var (version, sql) in Scripts)
            {
                if (applied.Contains(version))
                {
                    continue;
                }

                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await using (var apply = new NpgsqlCommand(sql, connection, transaction))
                {
                    await apply.ExecuteNonQueryAsync(cancellationToken);
                }
                await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (version) VALUES (@v)", connection, transaction))
                {
                    record.Parameters.AddWithValue("v", version);
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }
                await transaction.CommitAsync(cancellationToken);
                LogApplied(logger, version);
            }
        }
        finally
        {
            await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({AdvisoryLockKey})", connection);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    /// <summary>The versions not yet applied; empty when the schema is current.</summary>
    public async Task<IReadOnlyList<string>> PendingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('schema_migrations') IS NOT NULL", connection))
        {
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken))!)
            {
                return Scripts.Select(s => s.Version).ToList();
            }
        }
        var applied = await AppliedVersionsAsync(connection, cancellationToken);
        return Scripts.Select(s => s.Version).Where(v => !applied.Contains(v)).ToList();
    }

    private static async Task<HashSet<string>> AppliedVersionsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var versions = new HashSet<string>(StringComparer.Ordinal);
        await using var query = new NpgsqlCommand("SELECT version FROM schema_migrations", connection);
        await using var reader = await query.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(reader.GetString(0));
        }
        return versions;
    }

    private static List<(string, string)> LoadScripts()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var scripts = new List<(string, string)>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            var version = Path.GetFileNameWithoutExtension(name[ResourcePrefix.Length..]);
            scripts.Add((version, reader.ReadToEnd()));
        }
        return scripts;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied database migration {Version}")]
    private static partial void LogApplied(ILogger logger, string version);
}
