using System.Collections.Concurrent;
using Bot.Pipeline;
using Bot.Pipeline.Model;
using Bot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Bot.Tests.Integration;

/// <summary>
/// A handler for the run-ahead tests. "ahead N" may run ahead of the turn before it, "wait N" may not, "poison" may but
/// its reply cannot be stored (a trigger the test installs refuses it), so its commit fails. Each turn notes how many
/// earlier messages of its thread were still unanswered (pending) when its handler ran.
/// </summary>
public sealed class RunAheadTurnHandler(NpgsqlDataSource dataSource) : ITurnHandler
{
    public const string Unstorable = "this reply cannot be stored";

    public static ConcurrentDictionary<string, long> EarlierPending { get; } = new();

    /// <summary>Installs the trigger that refuses <see cref="Unstorable"/> (in the fixture's own database).</summary>
    public static async Task RefuseUnstorableAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"""
            CREATE OR REPLACE FUNCTION refuse_unstorable() RETURNS trigger LANGUAGE plpgsql AS $f$
            BEGIN
                IF NEW.content->>'text' = '{Unstorable}' THEN
                    RAISE EXCEPTION 'the test refuses this event';
                END IF;
                RETURN NEW;
            END $f$;
            CREATE OR REPLACE TRIGGER refuse_unstorable BEFORE INSERT ON thread_events FOR EACH ROW EXECUTE FUNCTION refuse_unstorable();
            """, connection);
        await command.ExecuteNonQueryAsync();
    }

    public bool MayRunAhead(IncomingMessage message) => message.Text is { } text && !text.StartsWith("wait", StringComparison.Ordinal);

    public async Task HandleAsync(TurnContext turn, CancellationToken cancellationToken)
    {
        await using (var command = dataSource.CreateCommand(
            """
            SELECT count(*) FROM inbox e, inbox me
             WHERE me.id = $1 AND e.thread_id = me.thread_id AND e.status = 'Pending' AND (e.received_at, e.id) < (me.received_at, me.id)
            """))
        {
            command.Parameters.Add(new() { Value = turn.TurnId });
            EarlierPending[turn.Message.Text!] = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }
        turn.Reply(turn.Message.Text == "poison" ? Unstorable : "answer to " + turn.Message.Text);
    }
}

public class RunAheadFactory : IngestOnlyFactory
{
    protected override void ConfigureTestServices(IServiceCollection services) =>
        services.AddScoped<ITurnHandler, RunAheadTurnHandler>();
}

/// <summary>
/// A busy conversation (issue 20): a thread's next turn runs while the one before it is being committed when its handler
/// allows it, and is committed after it, in the same group commit or a later one, or not at all.
/// </summary>
public class TurnRunAheadTests(RunAheadFactory app) : IClassFixture<RunAheadFactory>
{
    private readonly PipelineDriver driver = new(app);

    [Fact]
    public async Task Turns_run_while_the_turn_before_them_commits_and_commit_together_in_order()
    {
        var conversation = "chat-" + Guid.NewGuid().ToString("N");
        var texts = Enumerable.Range(1, 20).Select(n => $"ahead {conversation[^6..]}-{n}").ToList();
        var threadId = (await driver.ReceiveAsync(texts[0], conversation)).ThreadId;
        foreach (var text in texts.Skip(1))
        {
            await driver.ReceiveAsync(text, conversation);
        }

        // Commits wait (their events cannot be written) while every turn's handler runs.
        await using var blocker = new NpgsqlConnection(app.Database.ConnectionString);
        await blocker.OpenAsync();
        var holding = await blocker.BeginTransactionAsync();
        await using (var command = new NpgsqlCommand("LOCK TABLE thread_events IN SHARE MODE", blocker, holding))
        {
            await command.ExecuteNonQueryAsync();
        }
        Task running;
        try
        {
            running = driver.RunAsync(threadId);
            // The last turn's handler runs though the first turn's commit is still waiting: all 19 before it pending.
            await Eventually.GetAsync(() => Task.FromResult(RunAheadTurnHandler.EarlierPending.GetValueOrDefault(texts[^1], -1)), n => n >= 0, "the last turn to run");
            Assert.Equal(19, RunAheadTurnHandler.EarlierPending[texts[^1]]);
            Assert.Equal(20, await app.Database.CountAsync("SELECT count(*) FROM inbox WHERE thread_id = $1 AND status = 'Pending'", threadId));
        }
        finally
        {
            await holding.CommitAsync();
        }
        await running.WaitAsync(TimeSpan.FromSeconds(30));

        // Every message answered once, in order; the first commit alone (it went before the others were ready), the
        // other nineteen in one transaction.
        var replies = await ReplyTextsAsync(threadId);
        Assert.Equal(texts.Select(t => "answer to " + t), replies);
        Assert.Equal(20, await app.Database.CountAsync("SELECT count(*) FROM inbox WHERE thread_id = $1 AND status = 'Done'", threadId));
        Assert.True(await app.Database.CountAsync("SELECT count(DISTINCT xmin::text) FROM inbox WHERE thread_id = $1", threadId) <= 2);
        Assert.Null(await app.Database.ScalarAsync<string>("SELECT lease_owner FROM threads WHERE id = $1", threadId));
    }

    [Fact]
    public async Task A_turn_that_may_not_run_ahead_waits_for_the_commit_before_it()
    {
        var conversation = "chat-" + Guid.NewGuid().ToString("N");
        var tag = conversation[^6..];
        var first = await driver.ReceiveAsync($"ahead {tag}-1", conversation);
        await driver.ReceiveAsync($"wait {tag}-2", conversation);
        await driver.ReceiveAsync($"ahead {tag}-3", conversation);

        await driver.RunAsync(first.ThreadId);

        Assert.Equal(0, RunAheadTurnHandler.EarlierPending[$"wait {tag}-2"]);
        Assert.Equal(
            [$"answer to ahead {tag}-1", $"answer to wait {tag}-2", $"answer to ahead {tag}-3"],
            await ReplyTextsAsync(first.ThreadId));
    }

    [Fact]
    public async Task Turns_behind_a_commit_that_fails_are_not_committed_before_it_nor_counted_as_attempted()
    {
        var conversation = "chat-" + Guid.NewGuid().ToString("N");
        var tag = conversation[^6..];
        await RunAheadTurnHandler.RefuseUnstorableAsync(app.Database.ConnectionString);
        var first = await driver.ReceiveAsync($"ahead {tag}-1", conversation);
        var poison = await driver.ReceiveAsync("poison", conversation);
        var third = await driver.ReceiveAsync($"ahead {tag}-3", conversation);
        var fourth = await driver.ReceiveAsync($"ahead {tag}-4", conversation);

        // The poison message fails its commit each time (it runs alone once it has been tried) until it is given up;
        // the two behind it wait, then run.
        for (var run = 0; run < 8 && await app.Database.CountAsync("SELECT count(*) FROM inbox WHERE thread_id = $1 AND status = 'Pending'", first.ThreadId) > 0; run++)
        {
            await driver.RunAsync(first.ThreadId);
        }

        Assert.Equal(
            [$"answer to ahead {tag}-1", "Sorry, I could not process that message after several tries. Please send it again.", $"answer to ahead {tag}-3", $"answer to ahead {tag}-4"],
            await ReplyTextsAsync(first.ThreadId));
        Assert.Equal("Failed", await app.Database.ScalarAsync<string>("SELECT status FROM inbox WHERE id = $1", poison.InboxId));
        // Refused only for the turn before them, the two were not brought closer to being given up: each ran once for real.
        Assert.Equal(1, await app.Database.ScalarAsync<int>("SELECT attempts FROM inbox WHERE id = $1", third.InboxId));
        Assert.Equal(1, await app.Database.ScalarAsync<int>("SELECT attempts FROM inbox WHERE id = $1", fourth.InboxId));
    }

    [Theory]
    [InlineData("hello", true)]
    [InlineData("/help", true)]
    [InlineData("/portfolio", true)]
    [InlineData("/quote AAPL", true)]
    [InlineData("/no-such-command", true)]
    [InlineData("/buy 1 AAPL", false)]
    [InlineData("/new", false)]
    [InlineData("/threads", false)]
    [InlineData("/schedule daily 08:00 /portfolio", false)]
    [InlineData("/connect", false)]
    public void The_command_agent_lets_free_text_and_read_only_commands_run_ahead(string text, bool mayRunAhead)
    {
        using var scope = app.Services.CreateScope();
        var agent = scope.ServiceProvider.GetRequiredService<Bot.Agent.Commands.CommandAgent>();
        Assert.Equal(mayRunAhead, agent.MayRunAhead(new IncomingMessage
        {
            Address = new ConversationAddress(ScriptedChannelSender.Name, "chat"),
            EventId = "e",
            From = new Sender("u", "u"),
            Text = text,
            Timestamp = DateTimeOffset.UtcNow,
        }));
    }

    private async Task<IReadOnlyList<string>> ReplyTextsAsync(Guid threadId)
    {
        var texts = new List<string>();
        await using var connection = new NpgsqlConnection(app.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT payload->>'text' FROM outbox WHERE thread_id = $1 ORDER BY seq", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = threadId });
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            texts.Add(reader.GetString(0));
        }
        return texts;
    }
}

/// <summary>The host's own turn handler (the agent inside the speech and scheduling wrappers) lets the same messages run ahead.</summary>
public class HostTurnHandlerRunAheadTests(IngestOnlyFactory app) : IClassFixture<IngestOnlyFactory>
{
    [Theory]
    [InlineData("hello", true)]
    [InlineData("/portfolio", true)]
    [InlineData("/buy 1 AAPL", false)]
    public void The_wrapped_agent_answers_as_the_command_agent_does(string text, bool mayRunAhead)
    {
        using var scope = app.Services.CreateScope();
        var handler = scope.ServiceProvider.GetRequiredService<ITurnHandler>();
        var message = new IncomingMessage
        {
            Address = new ConversationAddress(ScriptedChannelSender.Name, "chat"),
            EventId = "e",
            From = new Sender("u", "u"),
            Text = text,
            Timestamp = DateTimeOffset.UtcNow,
        };
        Assert.Equal(mayRunAhead, handler.MayRunAhead(message));
        Assert.False(handler.MayRunAhead(message with { Voice = new VoiceNote { FileReference = "f" } }));
    }
}

/// <summary>A turn worker (one, with a 30 s lease), running the run-ahead handler.</summary>
public class RunAheadWorkerFactory : BotAppFactory
{
    protected override IDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Pipeline:TurnWorkers"] = "1",
        ["Pipeline:OutboxSenders"] = "0",
        ["Pipeline:LeaseSeconds"] = "30",
    };

    protected override void ConfigureTestServices(IServiceCollection services) =>
        services.AddScoped<ITurnHandler, RunAheadTurnHandler>();
}

public class TurnWorkerRunAheadTests(RunAheadWorkerFactory app) : IClassFixture<RunAheadWorkerFactory>
{
    private readonly PipelineDriver driver = new(app);

    [Fact]
    public async Task A_last_turn_whose_commit_fails_gives_the_lease_back_at_once()
    {
        // The worker's last (only) turn of the thread fails its commit each time. Its lease must go back with the failure,
        // so the worker tries again at once (and gives the message up after its attempts) instead of each try waiting
        // out the 30 s lease: three tries would take over a minute.
        await RunAheadTurnHandler.RefuseUnstorableAsync(app.Database.ConnectionString);
        var poison = await driver.ReceiveAsync("poison");
        var status = await Eventually.GetAsync(
            () => app.Database.ScalarAsync<string>("SELECT status FROM inbox WHERE id = $1", poison.InboxId),
            s => s == "Failed", "the message given up after its attempts", TimeSpan.FromSeconds(25));
        Assert.Equal("Failed", status);
        Assert.Null(await app.Database.ScalarAsync<string>("SELECT lease_owner FROM threads WHERE id = $1", poison.ThreadId));
    }
}
