using System.Globalization;
using Npgsql;

namespace Bot.Bench.DirectLine;

/// <summary>Nearest-rank percentiles of a set of latencies, in milliseconds.</summary>
internal sealed class Distribution
{
    private readonly double[] sorted;

    public Distribution(IEnumerable<double> values)
    {
        sorted = values.Where(double.IsFinite).Order().ToArray();
    }

    public int Count => sorted.Length;

    public double Percentile(double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

    public double Max => sorted.Length == 0 ? double.NaN : sorted[^1];
}

/// <summary>CPU time used by the host, by PostgreSQL (postmaster and its children) and by this generator.</summary>
internal sealed class CpuSampler(int? hostPid, int? postmasterPid)
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public readonly record struct Snapshot(double HostSeconds, double PostgresSeconds, double BenchSeconds, double MachineBusySeconds)
    {
        /// <summary>CPU the rest of the machine used meanwhile (other programs compete for the same cores).</summary>
        public double OtherSeconds => Math.Max(0, MachineBusySeconds - HostSeconds - PostgresSeconds - BenchSeconds);

        public Snapshot Since(Snapshot before) => new(HostSeconds - before.HostSeconds, PostgresSeconds - before.PostgresSeconds,
            BenchSeconds - before.BenchSeconds, MachineBusySeconds - before.MachineBusySeconds);
    }

    public bool Available => OperatingSystem.IsLinux() && (hostPid is not null || postmasterPid is not null);

    public Snapshot Take()
    {
        var bench = Environment.ProcessId;
        return new Snapshot(
            hostPid is { } host ? CpuOf(host) : 0,
            postmasterPid is { } postmaster ? CpuOf(postmaster) + ChildrenOf(postmaster).Sum(CpuOf) : 0,
            CpuOf(bench),
            MachineBusy());
    }

    /// <summary>Busy CPU seconds of the whole machine since boot (/proc/stat: all but idle and iowait).</summary>
    private static double MachineBusy()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var ticks = fields.Skip(1).Take(8).Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            return (ticks.Sum() - ticks[3] - ticks[4]) / TicksPerSecond;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>The 1-minute load average, for the record.</summary>
    public static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static IEnumerable<int> ChildrenOf(int parent)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && ReadStat(pid) is { } fields && fields.Length > 3 && fields[3] == parent.ToString(CultureInfo.InvariantCulture))
            {
                yield return pid;
            }
        }
    }

    private static double CpuOf(int pid)
    {
        var fields = ReadStat(pid);
        if (fields is null || fields.Length < 15)
        {
            return 0;
        }
        // Fields 14 and 15 (1-based) are utime and stime, in clock ticks.
        return (double.Parse(fields[13], CultureInfo.InvariantCulture) + double.Parse(fields[14], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    /// <summary>/proc/PID/stat split into fields, with the command name (which may hold spaces) kept as one.</summary>
    private static string[]? ReadStat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var close = text.LastIndexOf(')');
            var head = text[..text.IndexOf(' ', StringComparison.Ordinal)];
            var rest = text[(close + 2)..].Split(' ');
            return [head, text[(text.IndexOf('(', StringComparison.Ordinal) + 1)..close], .. rest];
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>Read-only looks into the bot's database: what was persisted, and how much write work a phase caused.</summary>
internal sealed class DatabaseProbe(string connectionString) : IAsyncDisposable
{
    private readonly NpgsqlDataSource dataSource = NpgsqlDataSource.Create(connectionString);

    public readonly record struct WorkSnapshot(long NextXid, long WalBytes);

    /// <summary>The next transaction id and the WAL position: their growth counts write transactions and WAL bytes.</summary>
    public async Task<WorkSnapshot> WorkAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint, pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new WorkSnapshot(reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Inbox rows (all, and finished) whose Direct Line event id carries the phase's clientActivityID prefix.</summary>
    public async Task<(long Recorded, long Done)> InboxAsync(string clientIdPrefix, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT count(*), count(*) FILTER (WHERE status = 'Done') FROM inbox WHERE channel = 'web' AND event_id LIKE $1");
        command.Parameters.Add(new() { Value = "%:" + clientIdPrefix + "%" });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    public async Task<string> SettingAsync(string name, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT current_setting($1)");
        command.Parameters.Add(new() { Value = name });
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();
}
