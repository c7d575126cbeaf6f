using System.Diagnostics;

namespace Bot.Bench.Context;

/// <summary>
/// What makes the machine busy while the busy phase measures: writers appending events to other threads through the
/// thread door as fast as PostgreSQL commits them, readers building prompts and reading history pages of other
/// threads, a live conversation on the measured prompt thread (an event every 100 ms, so its newest events are always
/// new), and one CPU burner per core.
/// </summary>
internal sealed class BackgroundLoad : IDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly List<Task> tasks = [];
    private readonly List<Thread> burners = [];
    private readonly long started = Stopwatch.GetTimestamp();
    private long writes;
    private long reads;

    public static BackgroundLoad Start(BenchThreads rows, IReadOnlyList<Guid> writeThreads, IReadOnlyList<Guid> readThreads, Guid liveThread,
        Func<Guid, CancellationToken, Task> readOnce, int burnerCount)
    {
        var load = new BackgroundLoad();
        foreach (var thread in writeThreads)
        {
            load.tasks.Add(Task.Run(() => load.WriteAsync(rows, thread, TimeSpan.Zero)));
        }
        foreach (var thread in readThreads)
        {
            load.tasks.Add(Task.Run(() => load.ReadAsync(thread, readOnce)));
        }
        load.tasks.Add(Task.Run(() => load.WriteAsync(rows, liveThread, TimeSpan.FromMilliseconds(100))));
        for (var i = 0; i < burnerCount; i++)
        {
            var burner = new Thread(load.Burn) { IsBackground = true, Name = $"burner {i}" };
            burner.Start();
            load.burners.Add(burner);
        }
        return load;
    }

    /// <summary>Stops everything and says how much background work was done.</summary>
    public async Task<string> StopAsync()
    {
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await stop.CancelAsync();
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (OperationCanceledException)
        {
            // the load was told to stop
        }
        foreach (var burner in burners)
        {
            burner.Join();
        }
        return $"background load over {elapsed:F1} s: {Interlocked.Read(ref writes) / elapsed:F0} event writes/s, {Interlocked.Read(ref reads) / elapsed:F0} prompt+history reads/s";
    }

    public void Dispose() => stop.Dispose();

    private async Task WriteAsync(BenchThreads rows, Guid threadId, TimeSpan pause)
    {
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var (role, content) = n % 2 == 0
                ? ("user", $$"""{"text":"Background message {{n}}: what is left of my travel budget for this quarter?"}""")
                : ("assistant", $$"""{"text":"Background answer {{n}}: you have 312.40 EUR left of 1,200 EUR, with 23 days to go."}""");
            await rows.AppendAsync(threadId, role, content, stop.Token);
            Interlocked.Increment(ref writes);
            if (pause > TimeSpan.Zero)
            {
                await Task.Delay(pause, stop.Token);
            }
        }
    }

    private async Task ReadAsync(Guid threadId, Func<Guid, CancellationToken, Task> readOnce)
    {
        while (!stop.IsCancellationRequested)
        {
            await readOnce(threadId, stop.Token);
            Interlocked.Increment(ref reads);
        }
    }

    private void Burn()
    {
        var x = 1.0;
        while (!stop.IsCancellationRequested)
        {
            for (var i = 0; i < 100_000; i++)
            {
                x = Math.Sqrt(x + i);
            }
        }
        GC.KeepAlive(x);
    }
}
