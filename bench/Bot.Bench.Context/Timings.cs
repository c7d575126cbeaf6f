using System.Diagnostics;
using System.Globalization;

namespace Bot.Bench.Context;

/// <summary>The latencies of one measured operation, in milliseconds, read against its p99 target.</summary>
internal sealed class Timings(string phase, string operation, double targetP99Ms)
{
    private readonly List<double> samples = [];
    private double cpuPerRunMs = double.NaN;

    public string Phase => phase;

    public string Operation => operation;

    public double TargetP99Ms => targetP99Ms;

    public bool Met => Percentile(0.99) < targetP99Ms;

    /// <summary>
    /// Runs <paramref name="run"/> unmeasured <paramref name="warmup"/> times and for at least three seconds (tiered
    /// compilation takes that long to settle on the optimised code: a long-running host has), then
    /// <paramref name="iterations"/> times measured.
    /// </summary>
    /// This process's CPU time per run is recorded too when <paramref name="countCpu"/> (nothing else runs in it): unlike
    /// the latencies it does not depend on what else the machine is doing.
    public static async Task<Timings> MeasureAsync(string phase, string operation, double targetP99Ms, int warmup, int iterations, bool countCpu, Func<Task> run)
    {
        var timings = new Timings(phase, operation, targetP99Ms);
        var warming = Stopwatch.GetTimestamp();
        for (var i = 0; i < warmup || (warmup > 0 && Stopwatch.GetElapsedTime(warming) < TimeSpan.FromSeconds(3)); i++)
        {
            await run();
        }
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        for (var i = 0; i < iterations; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await run();
            timings.samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        process.Refresh();
        if (countCpu)
        {
            timings.cpuPerRunMs = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds / iterations;
        }
        timings.samples.Sort();
        return timings;
    }

    /// <summary>Nearest-rank percentile.</summary>
    public double Percentile(double q) => samples[Math.Clamp((int)Math.Ceiling(q * samples.Count) - 1, 0, samples.Count - 1)];

    public static void PrintTable(IEnumerable<Timings> rows)
    {
        Console.WriteLine($"  {"phase",-6} {"operation",-34} {"n",5} {"p50",8} {"p90",8} {"p99",8} {"max",8} {"cpu/op",7}   target");
        foreach (var t in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {t.Phase,-6} {t.Operation,-34} {t.samples.Count,5} {t.Percentile(0.50),8:F2} {t.Percentile(0.90),8:F2} {t.Percentile(0.99),8:F2} {t.samples[^1],8:F2} {(double.IsNaN(t.cpuPerRunMs) ? "-" : t.cpuPerRunMs.ToString("F2", CultureInfo.InvariantCulture)),7}   p99 < {t.TargetP99Ms} ms: {(t.Met ? "MET" : "NOT MET")}"));
        }
        Console.WriteLine("  (milliseconds; cpu/op: this process's CPU time per operation, quiet phase only)");
    }
}
