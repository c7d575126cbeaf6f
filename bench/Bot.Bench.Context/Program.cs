// Context benchmark (not a test), on real PostgreSQL, in two phases, quiet and busy:
//   prompt building: ContextBuilder.BuildAsync over a 5,000-event thread (target p99 < 20 ms, busy machine included);
//   history pages:   what /api/threads/{id}/events reads, 500 events a page (its default), over a 100,000-event thread:
//                    the first page, a middle page and the last page, both by cursor (target p99 < 5 ms).
// It prints figures and MET / NOT MET against the targets; it fails only when something is broken.
// Usage: dotnet Bot.Bench.Context.dll "<PostgreSQL server connection string>" [prompt events] [history events] [iterations]
using System.Globalization;
using Bot.Agent.Memory;
using Bot.Bench.Context;
using Bot.Pipeline.Threads;
using Bot.Storage;
using Bot.Storage.Entities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

var server = args.Length > 0 ? args[0] : Environment.GetEnvironmentVariable("BOT_BENCH_PG")
    ?? throw new InvalidOperationException("Pass a PostgreSQL connection string (./bot bench does).");
var promptEvents = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5_000;
var historyEvents = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 100_000;
var iterations = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 300;
const int Budget = 16_000;
const int HistoryPage = 500;
const int PromptTargetMs = 20;
const int HistoryTargetMs = 5;
const int Warmup = 30;

var database = "bot_bench_context_" + Guid.NewGuid().ToString("N")[..8];
await using (var admin = new NpgsqlConnection(server))
{
    await admin.OpenAsync();
    await new NpgsqlCommand($"CREATE DATABASE {database}", admin).ExecuteNonQueryAsync();
}
var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
try
{
    await using var services = new ServiceCollection().AddLogging().AddSingleton(TimeProvider.System).AddBotStorage(connectionString).BuildServiceProvider();
    var dataSource = services.GetRequiredService<NpgsqlDataSource>();
    await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(default);
    var threads = new ThreadQueries(dataSource);

    Console.WriteLine("Context benchmark: prompt building and history pages on PostgreSQL");
    Console.WriteLine($"  setup: a {promptEvents:N0}-event prompt thread, a {historyEvents:N0}-event history thread, 6 load threads of 2,000 events");
    var rows = new BenchThreads(dataSource);
    await rows.CreateOwnerAsync();
    var promptThread = await rows.CreateThreadAsync(promptEvents);
    var historyThread = await rows.CreateThreadAsync(historyEvents);
    var loadThreads = new List<Guid>();
    for (var i = 0; i < 6; i++)
    {
        loadThreads.Add(await rows.CreateThreadAsync(2_000));
    }
    var middleCursor = await rows.EventAtAsync(historyThread, historyEvents / 2);
    var lastCursor = await rows.EventAtAsync(historyThread, historyEvents - HistoryPage);

    // The turn worker hands ContextBuilder the thread row it loaded; only the id and the summary bound matter here.
    // Warm: one cache for the process, as the host registers it; cold: a cache of its own for each build.
    var sharedCache = new PromptEventCache();
    ContextBuilder NewBuilder() => new(threads, new PromptEventCache());
    var warmBuilder = new ContextBuilder(threads, sharedCache);
    async Task<HistoryWindow> BuildAsync(ContextBuilder builder, Guid threadId, CancellationToken cancellationToken) =>
        await builder.BuildAsync(new ChatThread { Id = threadId }, Budget, cancellationToken);
    async Task<int> HistoryPageAsync(Guid threadId, Guid? after, CancellationToken cancellationToken)
    {
        var page = await threads.EventsAsync(threadId, after, HistoryPage, cancellationToken);
        return page.Select(e => (e.Id, e.Role, e.Text, e.Action, e.CreatedAt)).Count();
    }

    async Task<List<Timings>> MeasureAsync(string phase)
    {
        var quiet = phase == "quiet";
        return
        [
            await Timings.MeasureAsync(phase, $"prompt {promptEvents:N0} ev, warm", PromptTargetMs, Warmup, iterations, quiet,
                () => BuildAsync(warmBuilder, promptThread, default)),
            await Timings.MeasureAsync(phase, $"prompt {promptEvents:N0} ev, cold", PromptTargetMs, Warmup, iterations / 3, quiet,
                () => BuildAsync(NewBuilder(), promptThread, default)),
            await Timings.MeasureAsync(phase, "history first page", HistoryTargetMs, Warmup, iterations, quiet,
                () => HistoryPageAsync(historyThread, null, default)),
            await Timings.MeasureAsync(phase, "history middle page (cursor)", HistoryTargetMs, Warmup, iterations, quiet,
                () => HistoryPageAsync(historyThread, middleCursor, default)),
            await Timings.MeasureAsync(phase, "history last page (cursor)", HistoryTargetMs, Warmup, iterations, quiet,
                () => HistoryPageAsync(historyThread, lastCursor, default)),
        ];
    }

    var window = await BuildAsync(warmBuilder, promptThread, default);
    Console.WriteLine($"  prompt window: {window.Messages.Count:N0} messages, {window.Tokens:N0} tokens (est.) of a {Budget:N0}-token budget");
    Console.WriteLine($"  prompt: warm = the process's cache of events (as the host's), cold = an empty cache for each build; {iterations:N0} builds warm, {iterations / 3:N0} cold");
    Console.WriteLine($"  history: {HistoryPage} events a page (the endpoint's default), {iterations:N0} reads of each page");

    Console.WriteLine($"quiet phase: nothing else runs in this process ({LoadAverage()})");
    var results = await MeasureAsync("quiet");

    var burners = Environment.ProcessorCount;
    Console.WriteLine($"busy phase: 4 writers append events to other threads as fast as they commit, 2 readers build prompts and read history of");
    Console.WriteLine($"  other threads, a live conversation adds an event to the prompt thread every 100 ms, {burners} CPU burners (one a core)");
    using var load = BackgroundLoad.Start(rows, loadThreads[..4], loadThreads[4..], promptThread,
        async (threadId, cancellationToken) =>
        {
            await BuildAsync(warmBuilder, threadId, cancellationToken);
            await HistoryPageAsync(threadId, null, cancellationToken);
        },
        burners);
    await Task.Delay(TimeSpan.FromSeconds(2)); // let the load settle in
    results.AddRange(await MeasureAsync("busy"));
    Console.WriteLine($"  at the end of the busy phase: {LoadAverage()}");
    Console.WriteLine($"  {await load.StopAsync()}");

    Timings.PrintTable(results);
}
finally
{
    Console.WriteLine($"done ({LoadAverage()})");
    NpgsqlConnection.ClearAllPools();
    await using var admin = new NpgsqlConnection(server);
    await admin.OpenAsync();
    await new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", admin).ExecuteNonQueryAsync();
}

// Other work on the machine shows here: the figures of a shared machine are only as quiet as it is.
static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? $"load average {string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3])} on {Environment.ProcessorCount} cores" : "load average unknown";
