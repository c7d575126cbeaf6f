using Bot.Bench.DirectLine;

// Load generator for the Direct Line 3.0 endpoint (HTTP POST + WebSocket stream). Not a test: it prints figures.
//   dotnet Bot.Bench.DirectLine.dll --base-url http://127.0.0.1:PORT [--connection-string CS] [--host-pid N]
//     [--postmaster-pid N] [--conversations 100] [--levels 1,8,32,64] [--closed-seconds 6] [--rate 200]
//     [--open-seconds 12] [--warmup-seconds 4] [--target-p99-ms 20] [--wait-for reply|echo]
// --levels none skips the closed loops; --wait-for echo (for an ingest-only host, Pipeline__TurnWorkers=0) completes a
// message at its echo instead of the bot's reply.
// Run through ./bot bench, which starts a throw-away PostgreSQL and a Release host and passes these.

var options = BenchOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: Bot.Bench.DirectLine --base-url URL [--connection-string CS] [--host-pid N] [--postmaster-pid N] [--conversations N] [--levels 1,8,32,64] [--closed-seconds S] [--rate R] [--open-seconds S] [--warmup-seconds S] [--target-p99-ms MS] [--wait-for reply|echo]");
    return 64;
}
await using var database = options.ConnectionString is { } connectionString ? new DatabaseProbe(connectionString) : null;
return await new Bench(options, database).RunAsync();
