// Search benchmark (not a test): GET /api/threads?q=TEXT on a Release host, over one person's 100,000 events (and as
// many of another person's, which the search must leave out), on real PostgreSQL with the thread_events.search GIN index.
// For each query it prints the matches, then the latency of the endpoint (p50/p90/p99/max, sequential requests over
// loopback: HTTP, the owner's check, the query, JSON) and, beside it, of the query alone (ThreadQueries.SearchAsync, as
// the endpoint calls it, from this process). No target: the issue sets none; the figures are for comparison over time.
// It fails only when something is broken (an error answer, or a result holding another person's thread).
// Usage: dotnet Bot.Bench.Search.dll --base-url URL --connection-string CS [--events 100000] [--iterations 200]
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Bot.Pipeline.Threads;
using Npgsql;

string? baseUrl = null, connectionString = null;
var events = 100_000;
var iterations = 200;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--base-url": baseUrl = args[i + 1]; break;
        case "--connection-string": connectionString = args[i + 1]; break;
        case "--events": events = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--iterations": iterations = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 64;
    }
}
if (baseUrl is null || connectionString is null)
{
    Console.Error.WriteLine("usage: Bot.Bench.Search --base-url URL --connection-string CS [--events N] [--iterations N]");
    return 64;
}
const int EventsPerThread = 500;
const int Warmup = 20;

await using var dataSource = NpgsqlDataSource.Create(connectionString);
var seed = Stopwatch.StartNew();
// The owner of the loopback web app (no access key): the user of the web identity "owner", as the host resolves it.
var person = await SeedPersonAsync(dataSource, "owner", events);
await SeedPersonAsync(dataSource, "someone-else", events);
await ExecuteAsync(dataSource, "ANALYZE thread_events");
await ExecuteAsync(dataSource, "ANALYZE threads");
Console.WriteLine($"Search benchmark: GET /api/threads?q=TEXT&limit=50 at {baseUrl}");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"  setup: the web owner with {events:N0} events in {events / EventsPerThread:N0} threads ({EventsPerThread} each: user, assistant, tool in turn; the tool results carry no text),"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"  and another person with as many (never in the owner's results); seeded by bulk INSERT in {seed.Elapsed.TotalSeconds:F1} s, then ANALYZE"));
Console.WriteLine($"  index: {await ScalarAsync(dataSource, "SELECT pg_size_pretty(pg_relation_size('ix_thread_events_search'))")} GIN on thread_events.search (to_tsvector('english', content->>'text'), generated)");

using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };
(string Label, string Query)[] queries =
[
    ("rare word (a handful)", "zanzibar"),
    ("no match", "xylophone"),
    ("medium word (1 in 20 messages)", "mortgage"),
    ("two words (AND)", "mortgage insurance"),
    ("phrase", "\"electricity bill\""),
    ("common word (every question)", "spend"),
];
var search = new ThreadQueries(dataSource);
var rows = new List<(string Label, string Query, int Matches, int Threads, double[] Samples, double[] SqlSamples)>();
foreach (var (label, query) in queries)
{
    var matches = (int)(long)(await ScalarAsync(dataSource,
        "SELECT count(*) FROM thread_events e JOIN threads t ON t.id = e.thread_id WHERE t.user_id = $1 AND e.search @@ websearch_to_tsquery('english', $2) AND e.role IN ('user', 'assistant')",
        person, query))!;
    var url = "/api/threads?limit=50&q=" + Uri.EscapeDataString(query);
    var shown = await GetAsync(http, url);
    for (var i = 0; i < Warmup; i++)
    {
        await GetAsync(http, url);
    }
    var samples = new double[iterations];
    for (var i = 0; i < iterations; i++)
    {
        var started = Stopwatch.GetTimestamp();
        await GetAsync(http, url);
        samples[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }
    Array.Sort(samples);
    var sqlSamples = new double[iterations];
    for (var i = 0; i < Warmup + iterations; i++)
    {
        var started = Stopwatch.GetTimestamp();
        var hits = await search.SearchAsync(person, query, 0, 51, default);
        if (i >= Warmup)
        {
            sqlSamples[i - Warmup] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        if (shown < 50 && hits.Count != shown)
        {
            throw new InvalidOperationException($"the query alone found {hits.Count} threads for '{query}', the endpoint {shown}");
        }
    }
    Array.Sort(sqlSamples);
    rows.Add((label, query, matches, shown, samples, sqlSamples));
}

var plan = await PlanAsync(dataSource, person, "mortgage");
Console.WriteLine($"  plan of the matching step for 'mortgage' (EXPLAIN): {plan}");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {iterations} sequential requests per query after {Warmup} unmeasured ones; milliseconds"));
Console.WriteLine($"  {"query",-32} {"q",-20} {"matches",7} {"shown",5} | {"GET p50",8} {"p90",7} {"p99",7} {"max",7} | {"SQL p50",8} {"p99",7}");
foreach (var (label, query, matches, threads, samples, sqlSamples) in rows)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  {label,-32} {query,-20} {matches,7} {threads,5} | {Percentile(samples, 0.50),8:F2} {Percentile(samples, 0.90),7:F2} {Percentile(samples, 0.99),7:F2} {samples[^1],7:F2} | {Percentile(sqlSamples, 0.50),8:F2} {Percentile(sqlSamples, 0.99),7:F2}"));
}
Console.WriteLine("  (matches: the owner's messages that match; shown: threads on the first page, at most 50; GET: the endpoint over");
Console.WriteLine("   loopback; SQL: ThreadQueries.SearchAsync alone, 51 rows as the endpoint asks; a busy machine shows in both: see the load)");
Console.WriteLine($"done ({LoadAverage()})");
return 0;

static async Task<int> GetAsync(HttpClient http, string url)
{
    using var response = await http.GetAsync(url);
    if (!response.IsSuccessStatusCode)
    {
        throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
    var page = await response.Content.ReadFromJsonAsync<JsonElement>();
    var threads = page.GetProperty("threads");
    foreach (var thread in threads.EnumerateArray())
    {
        if (thread.GetProperty("title").GetString()?.StartsWith("someone-else", StringComparison.Ordinal) == true)
        {
            throw new InvalidOperationException("the search returned another person's thread");
        }
    }
    return threads.GetArrayLength();
}

/// <summary>A person, their web identity, one conversation and threads of events; every text varies with its number.</summary>
static async Task<Guid> SeedPersonAsync(NpgsqlDataSource dataSource, string identity, int events)
{
    var user = Guid.CreateVersion7();
    var conversation = Guid.CreateVersion7();
    await ExecuteAsync(dataSource, "INSERT INTO users (id, display_name, created_at) VALUES ($1, $2, now())", user, identity);
    await ExecuteAsync(dataSource, "INSERT INTO channel_identities (id, user_id, channel, platform_user_id, created_at) VALUES ($1, $2, 'web', $3, now())",
        Guid.CreateVersion7(), user, identity);
    await ExecuteAsync(dataSource, "INSERT INTO conversations (id, channel, address, created_at) VALUES ($1, 'web', $2, now())", conversation, "bench-" + identity);
    await ExecuteAsync(dataSource,
        """
        INSERT INTO threads (id, user_id, conversation_id, status, title, created_at, updated_at)
        SELECT gen_random_uuid(), $1, $2, 'Active', $3 || ' thread ' || k, now() - (k * interval '1 minute'), now() - (k * interval '1 minute')
        FROM generate_series(1, $4) AS k
        """, user, conversation, identity, Math.Max(1, events / 500));
    // Words that recur at known rates: "spend" in every question, "mortgage" in 1 of 20 texts, "zanzibar" in a handful.
    await ExecuteAsync(dataSource,
        """
        WITH th AS (SELECT id, row_number() OVER (ORDER BY created_at) - 1 AS k FROM threads WHERE user_id = $1)
        INSERT INTO thread_events (id, thread_id, role, content, created_at)
        SELECT gen_random_uuid(), th.id,
               CASE WHEN n % 3 = 0 THEN 'user' WHEN n % 3 = 1 THEN 'assistant' ELSE 'tool' END,
               CASE WHEN n % 3 = 2
                    THEN jsonb_build_object('toolResult', jsonb_build_object('callId', 'c' || n, 'name', 'get_transactions', 'content', '{"count":12}', 'isError', false))
                    WHEN n % 3 = 0
                    THEN jsonb_build_object('text', 'Question ' || n || ': how much did I spend on '
                         || (ARRAY['groceries','transport','rent','coffee','restaurants','travel','the electricity bill','insurance','books','the gym'])[1 + n % 10]
                         || CASE WHEN n % 20 = 0 THEN ' and the mortgage' ELSE '' END
                         || CASE WHEN n % ($2 / 10) = 0 THEN ' on the trip to Zanzibar' ELSE '' END || ' last month?')
                    ELSE jsonb_build_object('text', 'You paid ' || (n % 997) || '.' || lpad((n % 100)::text, 2, '0') || ' USD for '
                         || (ARRAY['groceries','transport','rent','coffee','restaurants','travel','the electricity bill','insurance','books','the gym'])[1 + (n * 7) % 10]
                         || CASE WHEN n % 20 = 1 THEN ', with your mortgage insurance included' ELSE '' END || ', a little less than the month before.')
               END,
               now() - (($2 - n) * interval '1 second')
        FROM generate_series(0, $2 - 1) AS n JOIN th ON th.k = n / 500
        """, user, events);
    return user;
}

static async Task<string> PlanAsync(NpgsqlDataSource dataSource, Guid person, string query)
{
    await using var command = dataSource.CreateCommand(
        "EXPLAIN SELECT e.id FROM thread_events e JOIN threads h ON h.id = e.thread_id WHERE h.user_id = $1 AND e.search @@ websearch_to_tsquery('english', $2) AND e.role IN ('user', 'assistant')");
    command.Parameters.Add(new() { Value = person });
    command.Parameters.Add(new() { Value = query });
    var lines = new List<string>();
    await using var reader = await command.ExecuteReaderAsync();
    while (await reader.ReadAsync())
    {
        lines.Add(reader.GetString(0).Trim());
    }
    var index = lines.FirstOrDefault(l => l.Contains("ix_thread_events_search", StringComparison.Ordinal));
    return index is not null ? $"uses the GIN index ({index.Split("  (")[0]})" : "DOES NOT use the GIN index: " + string.Join(" | ", lines);
}

static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql, params object[] values)
{
    await using var command = dataSource.CreateCommand(sql);
    foreach (var value in values)
    {
        command.Parameters.Add(new() { Value = value });
    }
    command.CommandTimeout = 600;
    await command.ExecuteNonQueryAsync();
}

static async Task<object?> ScalarAsync(NpgsqlDataSource dataSource, string sql, params object[] values)
{
    await using var command = dataSource.CreateCommand(sql);
    foreach (var value in values)
    {
        command.Parameters.Add(new() { Value = value });
    }
    return await command.ExecuteScalarAsync();
}

static double Percentile(double[] sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? $"load average {string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3])} on {Environment.ProcessorCount} cores" : "load average unknown";
