// Prompt-building benchmark (not a test): how long ContextBuilder takes to build the history window of a
// thread with 5,000 events on real PostgreSQL, and how big the result is. Target: under 20 ms.
// Usage: dotnet Bot.Bench.Context.dll "<PostgreSQL server connection string>" [events] [iterations]
using System.Diagnostics;
using System.Globalization;
using Bot.Agent.Memory;
using Bot.Pipeline.Threads;
using Bot.Storage;
using Bot.Storage.Entities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

var server = args.Length > 0 ? args[0] : Environment.GetEnvironmentVariable("BOT_BENCH_PG")
    ?? throw new InvalidOperationException("Pass a PostgreSQL connection string (./bot bench does).");
var eventCount = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5_000;
var iterations = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 300;
const int Budget = 16_000;

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
    await new DatabaseMigrator(services.GetRequiredService<NpgsqlDataSource>(), NullLogger<DatabaseMigrator>.Instance).MigrateAsync(default);

    var threadId = Guid.CreateVersion7();
    await using (var connection = await services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync())
    {
        var userId = Guid.CreateVersion7();
        var conversationId = Guid.CreateVersion7();
        foreach (var (sql, values) in new (string, object[])[]
        {
            ("INSERT INTO users (id, display_name, created_at) VALUES ($1, 'bench', now())", [userId]),
            ("INSERT INTO conversations (id, channel, address, created_at) VALUES ($1, 'web', 'bench', now())", [conversationId]),
            ("INSERT INTO threads (id, user_id, conversation_id, status, created_at, updated_at) VALUES ($1, $2, $3, 'Active', now(), now())", [threadId, userId, conversationId]),
            ("""
             INSERT INTO thread_events (id, thread_id, role, content, created_at)
             SELECT gen_random_uuid(), $1,
                    CASE WHEN n % 3 = 0 THEN 'user' WHEN n % 3 = 1 THEN 'assistant' ELSE 'tool' END,
                    CASE WHEN n % 3 = 2
                         THEN jsonb_build_object('toolResult', jsonb_build_object('callId', 'c' || (n - 1), 'name', 'get_transactions', 'content', '{"count":12,"total":"431.20 USD"}', 'isError', false))
                         WHEN n % 3 = 1
                         THEN jsonb_build_object('toolCalls', jsonb_build_array(jsonb_build_object('id', 'c' || n, 'name', 'get_transactions', 'arguments', '{"period":"last_month"}')))
                         ELSE jsonb_build_object('text', 'Question ' || n || ': how much did I spend on groceries and transport last month, compared with the month before?')
                    END,
                    now() - interval '30 days' + n * interval '1 second'
             FROM generate_series(1, $2) AS n
             """, [threadId, eventCount]),
        })
        {
            await using var command = new NpgsqlCommand(sql, connection);
            foreach (var value in values)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = value });
            }
            await command.ExecuteNonQueryAsync();
        }
    }

    // The turn worker hands ContextBuilder the thread row it loaded; only the id and the summary bound matter here.
    var thread = new ChatThread { Id = threadId };
    var threads = new ThreadQueries(services.GetRequiredService<NpgsqlDataSource>());

    var timings = new List<double>(iterations);
    HistoryWindow? window = null;
    for (var i = 0; i < iterations + 30; i++)
    {
        var builder = new ContextBuilder(threads);
        var watch = Stopwatch.StartNew();
        window = await builder.BuildAsync(thread, Budget, default);
        watch.Stop();
        if (i >= 30)
        {
            timings.Add(watch.Elapsed.TotalMilliseconds);
        }
    }
    timings.Sort();
    double P(double q) => timings[Math.Min(timings.Count - 1, (int)Math.Ceiling(q * timings.Count) - 1)];
    Console.WriteLine("Prompt building (ContextBuilder.BuildAsync on PostgreSQL)");
    Console.WriteLine($"  thread events         {eventCount,10:N0}");
    Console.WriteLine($"  token budget          {Budget,10:N0}");
    Console.WriteLine($"  window messages       {window!.Messages.Count,10:N0}");
    Console.WriteLine($"  window tokens (est.)  {window.Tokens,10:N0}");
    Console.WriteLine($"  iterations            {timings.Count,10:N0}");
    Console.WriteLine($"  p50                   {P(0.50),10:F2} ms");
    Console.WriteLine($"  p99                   {P(0.99),10:F2} ms");
    Console.WriteLine($"  max                   {timings[^1],10:F2} ms");
    Console.WriteLine($"  target p99 < 20 ms:   {(P(0.99) < 20 ? "met" : "NOT met")}");
}
finally
{
    NpgsqlConnection.ClearAllPools();
    await using var admin = new NpgsqlConnection(server);
    await admin.OpenAsync();
    await new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", admin).ExecuteNonQueryAsync();
}
