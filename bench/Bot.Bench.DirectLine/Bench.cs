using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace Bot.Bench.DirectLine;

internal sealed record BenchOptions(
    Uri BaseUrl, string? ConnectionString, int? HostPid, int? PostmasterPid, int Conversations, IReadOnlyList<int> Levels,
    double ClosedSeconds, double Rate, double OpenSeconds, double WarmupSeconds, double TargetP99Ms, bool AckOnly)
{
    public static BenchOptions? Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                return null;
            }
            values[args[i][2..]] = args[i + 1];
        }
        if (args.Length % 2 != 0 || !values.TryGetValue("base-url", out var baseUrl))
        {
            return null;
        }
        double Number(string name, double fallback) =>
            values.TryGetValue(name, out var text) ? double.Parse(text, CultureInfo.InvariantCulture) : fallback;
        int? Pid(string name) =>
            values.TryGetValue(name, out var text) && int.TryParse(text, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        var levels = values.TryGetValue("levels", out var list)
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries).Where(l => l != "none").Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToList()
            : [1, 8, 32, 64];
        var ackOnly = values.GetValueOrDefault("wait-for", "reply") switch
        {
            "reply" => false,
            "echo" => true,
            _ => (bool?)null,
        };
        if (ackOnly is null)
        {
            return null;
        }
        var options = new BenchOptions(
            new Uri(baseUrl.TrimEnd('/') + "/"), values.GetValueOrDefault("connection-string"), Pid("host-pid"), Pid("postmaster-pid"),
            (int)Number("conversations", 100), levels, Number("closed-seconds", 6), Number("rate", 200), Number("open-seconds", 12),
            Number("warmup-seconds", 4), Number("target-p99-ms", 20), ackOnly.Value);
        return options.Levels.Any(l => l < 1 || l > options.Conversations) ? null : options;
    }
}

/// <summary>One measured phase: its samples, failures, duration, and what the machine spent on it.</summary>
internal sealed class PhaseResult(string name, string clientIdPrefix)
{
    public string Name { get; } = name;
    public string ClientIdPrefix { get; } = clientIdPrefix;
    public ConcurrentBag<Sample> Samples { get; } = [];
    public ConcurrentQueue<string> Errors { get; } = new();
    private int sent;
    private int acknowledged;

    public int Sent => Volatile.Read(ref sent);
    public int Acknowledged => Volatile.Read(ref acknowledged);

    public void CountSent() => Interlocked.Increment(ref sent);

    public void CountAcknowledged() => Interlocked.Increment(ref acknowledged);

    public double Seconds { get; set; }

    /// <summary>From the phase's start until the last reply that arrived (timeouts left out).</summary>
    public double SecondsToLastReply { get; set; }
    public double SendWindowSeconds { get; set; }
    public int DelayedSends { get; set; }
    public double MaxScheduleLagMs { get; set; }
    public CpuSampler.Snapshot Cpu { get; set; }
    public DatabaseProbe.WorkSnapshot Work { get; set; }
    public (long Recorded, long Done)? Persisted { get; set; }
}

internal sealed class Bench(BenchOptions options, DatabaseProbe? database)
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(60);

    private readonly List<BenchConversation> conversations = [];
    private readonly CpuSampler cpu = new(options.HostPid, options.PostmasterPid);
    private HttpClient http = null!;
    private readonly string run = Guid.NewGuid().ToString("N")[..8];
    private long messageNumber;

    public async Task<int> RunAsync()
    {
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = int.MaxValue,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        http = client;
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var token = cancellation.Token;
        try
        {
            await PrintSetupAsync(token);

            var started = Stopwatch.GetTimestamp();
            for (var i = 0; i < options.Conversations; i += 10)
            {
                var batch = await Task.WhenAll(Enumerable.Range(i, Math.Min(10, options.Conversations - i))
                    .Select(_ => BenchConversation.StartAsync(http, options.BaseUrl, token)));
                conversations.AddRange(batch);
            }
            Console.WriteLine(Invariant($"opened {conversations.Count} conversations (POST /conversations + WebSocket) in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s"));

            // Warm-up: one message on every conversation (its first message also creates its thread), then a short
            // closed loop, so JIT, connection pools and PostgreSQL caches are warm before anything is measured.
            var warmup = new PhaseResult("warm-up", $"bench-{run}-warmup-");
            await Task.WhenAll(conversations.Chunk(Math.Max(1, conversations.Count / 16)).Select(async chunk =>
            {
                foreach (var conversation in chunk)
                {
                    await SendOneAsync(conversation, warmup, token);
                }
            }));
            await ClosedLoopAsync(warmup, Math.Min(16, conversations.Count), options.WarmupSeconds, token);
            Console.WriteLine(Invariant($"warm-up: {warmup.Samples.Count} messages, {warmup.Errors.Count} errors"));

            var phases = new List<PhaseResult>();
            foreach (var level in options.Levels)
            {
                var phase = new PhaseResult(Invariant($"closed c={level}"), Invariant($"bench-{run}-c{level}-"));
                await MeasureAsync(phase, () => ClosedLoopAsync(phase, level, options.ClosedSeconds, token), token);
                phases.Add(phase);
                Console.WriteLine(Invariant($"  {phase.Name}: {phase.Samples.Count} messages in {phase.Seconds:0.0} s"));
            }
            var open = new PhaseResult(Invariant($"open {options.Rate:0}/s"), $"bench-{run}-open-");
            await MeasureAsync(open, () => OpenLoopAsync(open, options.Rate, options.OpenSeconds, token), token);
            phases.Add(open);
            Console.WriteLine(Invariant($"  {open.Name}: {open.Samples.Count} messages in {open.Seconds:0.0} s"));

            await CheckPersistedAsync(phases.Prepend(warmup), token);
            var unexpected = conversations.Sum(c => c.UnexpectedBotActivities);
            PrintTables(phases, warmup, unexpected);
            return phases.Prepend(warmup).Any(p => !p.Errors.IsEmpty || p.Persisted is { } persisted && persisted.Recorded != p.Acknowledged) || (unexpected > 0 && !options.AckOnly) ? 1 : 0;
        }
        finally
        {
            await Task.WhenAll(conversations.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    private async Task PrintSetupAsync(CancellationToken cancellationToken)
    {
        var line = new StringBuilder(Invariant($"Direct Line benchmark against {options.BaseUrl} ({Environment.ProcessorCount} cores shared by host, PostgreSQL and this generator; load average {CpuSampler.LoadAverage()})"));
        if (database is not null)
        {
            line.Append(Invariant($"; PostgreSQL fsync={await database.SettingAsync("fsync", cancellationToken)}, synchronous_commit={await database.SettingAsync("synchronous_commit", cancellationToken)}"));
        }
        Console.WriteLine(line);
    }

    private async Task MeasureAsync(PhaseResult phase, Func<Task> run, CancellationToken cancellationToken)
    {
        var cpuBefore = cpu.Take();
        var workBefore = database is null ? default : await database.WorkAsync(cancellationToken);
        var started = Stopwatch.GetTimestamp();
        await run();
        phase.Seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        phase.SecondsToLastReply = phase.Samples.IsEmpty
            ? phase.Seconds
            : phase.Samples.Max(s => (s.SentAt - started) / (double)Stopwatch.Frequency + ((double.IsFinite(s.ReplyMs) ? s.ReplyMs : s.EchoMs) / 1000));
        var cpuAfter = cpu.Take();
        phase.Cpu = cpuAfter.Since(cpuBefore);
        if (database is not null)
        {
            var workAfter = await database.WorkAsync(cancellationToken);
            phase.Work = new DatabaseProbe.WorkSnapshot(workAfter.NextXid - workBefore.NextXid, workAfter.WalBytes - workBefore.WalBytes);
        }
    }

    private async Task SendOneAsync(BenchConversation conversation, PhaseResult phase, CancellationToken cancellationToken)
    {
        var number = Interlocked.Increment(ref messageNumber);
        // Mostly free text, some /help: both are one reply each from the command agent.
        var text = number % 4 == 0 ? "/help" : "how much did I spend on groceries last month?";
        phase.CountSent();
        try
        {
            var sample = await conversation.SendAsync(phase.ClientIdPrefix + number.ToString(CultureInfo.InvariantCulture), text, !options.AckOnly, ReplyTimeout, cancellationToken);
            phase.CountAcknowledged();
            phase.Samples.Add(sample);
        }
        catch (Exception exception) when (exception is HttpRequestException or InvalidOperationException or TimeoutException or TaskCanceledException)
        {
            phase.Errors.Enqueue(exception.GetType().Name + ": " + exception.Message);
            if (exception.InnerException is InvalidOperationException { Message: var which } && Environment.GetEnvironmentVariable("BENCH_VERBOSE") == "1")
            {
                Console.Error.WriteLine("lost: " + which + " (" + exception.Message + ")");
            }
            if (exception is TimeoutException)
            {
                // Acknowledged, but no reply in time.
                phase.CountAcknowledged();
            }
        }
    }

    /// <summary>Each of <paramref name="concurrency"/> users owns a conversation and sends its next message when the reply arrives.</summary>
    private async Task ClosedLoopAsync(PhaseResult phase, int concurrency, double seconds, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(seconds * Stopwatch.Frequency);
        await Task.WhenAll(conversations.Take(concurrency).Select(async conversation =>
        {
            while (Stopwatch.GetTimestamp() < deadline && !cancellationToken.IsCancellationRequested)
            {
                await SendOneAsync(conversation, phase, cancellationToken);
            }
        }));
        phase.SendWindowSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>
    /// Sends at a fixed rate whatever the answers do (open loop: no coordinated omission). Each message goes to the next
    /// conversation with nothing in flight, or else to one whose messages in flight were all acknowledged, so replies
    /// can still be matched by order; a send waits only if neither exists.
    /// </summary>
    private async Task OpenLoopAsync(PhaseResult phase, double rate, double seconds, CancellationToken cancellationToken)
    {
        var total = (int)(rate * seconds);
        var sends = new List<Task>(total);
        var start = Stopwatch.GetTimestamp();
        var next = 0;
        for (var i = 0; i < total; i++)
        {
            var due = start + (long)(i / rate * Stopwatch.Frequency);
            var wait = due - Stopwatch.GetTimestamp();
            if (wait > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), cancellationToken);
            }
            BenchConversation? conversation;
            var waited = false;
            while ((conversation = Pick(ref next)) is null)
            {
                waited = true;
                await Task.Delay(1, cancellationToken);
            }
            phase.DelayedSends += waited ? 1 : 0;
            phase.MaxScheduleLagMs = Math.Max(phase.MaxScheduleLagMs, Stopwatch.GetElapsedTime(due).TotalMilliseconds);
            sends.Add(SendOneAsync(conversation, phase, cancellationToken));
        }
        phase.SendWindowSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        await Task.WhenAll(sends);
    }

    private BenchConversation? Pick(ref int next)
    {
        BenchConversation? sendable = null;
        for (var n = 0; n < conversations.Count; n++)
        {
            var candidate = conversations[(next + n) % conversations.Count];
            if (candidate.InFlightCount == 0)
            {
                next = (next + n + 1) % conversations.Count;
                return candidate;
            }
            sendable ??= candidate.CanSend ? candidate : null;
        }
        if (sendable is not null)
        {
            next = (conversations.IndexOf(sendable) + 1) % conversations.Count;
        }
        return sendable;
    }

    private async Task CheckPersistedAsync(IEnumerable<PhaseResult> phases, CancellationToken cancellationToken)
    {
        if (database is null)
        {
            return;
        }
        foreach (var phase in phases)
        {
            phase.Persisted = await database.InboxAsync(phase.ClientIdPrefix, cancellationToken);
        }
    }

    private void PrintTables(List<PhaseResult> phases, PhaseResult warmup, int unexpected)
    {
        Console.WriteLine();
        Console.WriteLine(Invariant($"{options.Conversations} conversations; closed loop: each user waits for the bot's reply before the next message; open loop: fixed send rate, spread over the conversations (a conversation takes its next message once its earlier ones were acknowledged)."));
        Console.WriteLine("ack/s = acknowledged messages per second of sending; reply/s = replies per second from the phase's start until its last reply arrived.");
        Console.WriteLine("ack = POST /activities until its 200; echo = POST until the user's own activity arrives on the WebSocket; reply = POST until the bot's reply arrives on the WebSocket. Times in ms.");
        Console.WriteLine();
        var header = string.Format(CultureInfo.InvariantCulture,
            "{0,-14} {1,6} {2,8} {3,8} | {4,7} {5,7} {6,7} {7,7} | {8,7} {9,7} {10,7} {11,7} | {12,7} {13,7} | {14,6}",
            "phase", "msgs", "ack/s", "reply/s", "ack p50", "p90", "p99", "max", "rep p50", "p90", "p99", "max", "echo50", "p99", "errors");
        Console.WriteLine(header);
        Console.WriteLine(new string('-', header.Length));
        foreach (var phase in phases)
        {
            var ack = new Distribution(phase.Samples.Select(s => s.AckMs));
            var reply = new Distribution(phase.Samples.Select(s => s.ReplyMs));
            var echo = new Distribution(phase.Samples.Select(s => s.EchoMs));
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
                "{0,-14} {1,6} {2,8:0.0} {3,8:0.0} | {4,7:0.0} {5,7:0.0} {6,7:0.0} {7,7:0.0} | {8,7:0.0} {9,7:0.0} {10,7:0.0} {11,7:0.0} | {12,7:0.0} {13,7:0.0} | {14,6}",
                phase.Name, phase.Samples.Count, phase.Acknowledged / phase.SendWindowSeconds, phase.Samples.Count / phase.SecondsToLastReply,
                ack.Percentile(50), ack.Percentile(90), ack.Percentile(99), ack.Max,
                reply.Percentile(50), reply.Percentile(90), reply.Percentile(99), reply.Max,
                echo.Percentile(50), echo.Percentile(99), phase.Errors.Count));
        }

        Console.WriteLine();
        var work = string.Format(CultureInfo.InvariantCulture, "{0,-14} {1,10} {2,10} | {3,8} {4,8} {5,8} | {6,6} {7,6} {8,6} {9,6}",
            "per message", "write txns", "WAL bytes", "host", "postgres", "bench", "host", "pg", "bench", "other");
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-36} | {1,-26} | {2}", "", "CPU ms per message", "cores busy (CPU s per wall s)"));
        Console.WriteLine(work);
        Console.WriteLine(new string('-', work.Length));
        foreach (var phase in phases)
        {
            var n = Math.Max(1, phase.Samples.Count);
            var c = phase.Cpu;
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-14} {1,10:0.0} {2,10:0} | {3,8:0.00} {4,8:0.00} {5,8:0.00} | {6,6:0.00} {7,6:0.00} {8,6:0.00} {9,6:0.00}",
                phase.Name, (double)phase.Work.NextXid / n, (double)phase.Work.WalBytes / n,
                c.HostSeconds * 1000 / n, c.PostgresSeconds * 1000 / n, c.BenchSeconds * 1000 / n,
                c.HostSeconds / phase.Seconds, c.PostgresSeconds / phase.Seconds, c.BenchSeconds / phase.Seconds, c.OtherSeconds / phase.Seconds));
        }
        Console.WriteLine("(a phase lasts until its last reply or reply timeout, so the open loop includes its drain; \"other\" is every other program on the machine)");

        Console.WriteLine();
        var acknowledged = phases.Prepend(warmup).Sum(p => p.Acknowledged);
        if (database is null)
        {
            Console.WriteLine("persisted: not checked (no --connection-string)");
        }
        else
        {
            var recorded = phases.Prepend(warmup).Sum(p => p.Persisted?.Recorded ?? 0);
            var done = phases.Prepend(warmup).Sum(p => p.Persisted?.Done ?? 0);
            Console.WriteLine(Invariant($"persisted: {recorded} inbox rows for {acknowledged} acknowledged messages ({done} turns done); {(recorded == acknowledged ? "every acknowledged message is in the inbox" : "MISSING ROWS")}"));
        }
        var replies = phases.Prepend(warmup).Sum(p => p.Samples.Count);
        Console.WriteLine(options.AckOnly
            ? Invariant($"echoes: {replies} of {acknowledged} acknowledged messages echoed on the WebSocket (--wait-for echo: replies not awaited)")
            : Invariant($"replies: {replies} of {acknowledged} acknowledged messages answered on the WebSocket; {unexpected} unmatched bot activities"));

        var open = phases[^1];
        var openAck = new Distribution(open.Samples.Select(s => s.AckMs));
        var achieved = open.Acknowledged / open.SendWindowSeconds;
        var persistedAll = open.Persisted is { } p && p.Recorded == open.Acknowledged && open.Errors.IsEmpty;
        var met = openAck.Percentile(99) < options.TargetP99Ms && persistedAll && achieved >= options.Rate * 0.95;
        Console.WriteLine(Invariant($"open loop: {open.Sent} sent in {open.SendWindowSeconds:0.0} s ({open.Sent / open.SendWindowSeconds:0.0}/s), {open.DelayedSends} sends waited for a conversation, max schedule lag {open.MaxScheduleLagMs:0.0} ms; last reply {open.SecondsToLastReply:0.0} s after the first send"));
        Console.WriteLine(Invariant($"TARGET p99 acknowledge < {options.TargetP99Ms:0} ms at {options.Rate:0} msg/s with every message persisted: {(met ? "MET" : "NOT MET")} (p99 {openAck.Percentile(99):0.0} ms, {open.Persisted?.Recorded.ToString(CultureInfo.InvariantCulture) ?? "?"}/{open.Acknowledged} persisted)"));
        var echoLost = phases.Prepend(warmup).Sum(p => p.Errors.Count(e => e.Contains("echo never arrived", StringComparison.Ordinal)));
        if (echoLost > 0)
        {
            Console.WriteLine(Invariant($"STREAM SKIPPED ACTIVITIES: {echoLost} acknowledged message(s) never had their echo delivered on the WebSocket (the activity is in the log; the stream's watermark passed it). See the errors below."));
        }
        Console.WriteLine(Invariant($"load average at the end: {CpuSampler.LoadAverage()}"));
        foreach (var phase in phases.Prepend(warmup).Where(p => !p.Errors.IsEmpty))
        {
            var kinds = phase.Errors.GroupBy(e => e, StringComparer.Ordinal).OrderByDescending(g => g.Count()).Take(3).Select(g => Invariant($"{g.Count()} x {g.Key}"));
            Console.WriteLine(Invariant($"errors in {phase.Name}: {string.Join(" | ", kinds)}"));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
