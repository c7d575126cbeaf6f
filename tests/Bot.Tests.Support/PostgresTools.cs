using System.Diagnostics;
using Npgsql;

namespace Bot.Tests.Support;

/// <summary>
/// PostgreSQL's own client programs (<c>pg_dump</c>, <c>psql</c>) from the directory <c>./bot test</c> exports as
/// BOT_TEST_PG_BIN, run against a test database on loopback.
/// </summary>
public static class PostgresTools
{
    public static string BinDirectory =>
        Environment.GetEnvironmentVariable("BOT_TEST_PG_BIN") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException("BOT_TEST_PG_BIN is not set. Run the tests with ./bot test, which sets it to PostgreSQL's bin directory.");

    /// <summary>A full plain-text dump of the database (schema and every row), as an operator's backup would be.</summary>
    public static async Task<string> DumpAsync(string connectionString)
    {
        var (exit, output, error) = await RunAsync("pg_dump", connectionString, ["--no-owner", "--no-privileges"]);
        return exit == 0 ? output : throw new InvalidOperationException($"pg_dump exited with {exit}: {error}");
    }

    /// <summary>Loads a plain-text dump into an (empty) database, stopping at the first error.</summary>
    public static async Task RestoreAsync(string connectionString, string dump)
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, dump);
            var (exit, _, error) = await RunAsync("psql", connectionString, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", file]);
            if (exit != 0)
            {
                throw new InvalidOperationException($"psql exited with {exit}: {error}");
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(string program, string connectionString, IEnumerable<string> arguments)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new ProcessStartInfo(Path.Combine(BinDirectory, program))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--host=" + settings.Host);
        start.ArgumentList.Add("--port=" + settings.Port);
        start.ArgumentList.Add("--username=" + settings.Username);
        start.ArgumentList.Add("--dbname=" + settings.Database);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        if (!string.IsNullOrEmpty(settings.Password))
        {
            start.Environment["PGPASSWORD"] = settings.Password;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException(program + " did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish within two minutes.");
        }
        return (process.ExitCode, await output, await error);
    }
}
