using Bot.Agent.Commands;
using Bot.Pipeline;
using Bot.Pipeline.Model;
using Bot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Bot.Tests.Integration;

/// <summary>The command agent, except that one word runs a test's hook once the turn has committed.</summary>
public sealed class HookedTurnHandler(CommandAgent agent) : ITurnHandler
{
    public const string Word = "run-the-hook";

    public static Func<CancellationToken, Task>? AfterCommit { get; set; }

    public async Task HandleAsync(TurnContext turn, CancellationToken cancellationToken)
    {
        if (turn.Message.Text == Word && AfterCommit is { } hook)
        {
            turn.Reply("hooked");
            turn.AfterCommit(hook);
            return;
        }
        await agent.HandleAsync(turn, cancellationToken);
    }
}

/// <summary>
/// One turn worker, a 30 s lease and a poll so slow (60 s) that only the pipeline's own wake-ups can answer a message
/// in time: a message the worker misses waits for the lease to expire, which these tests would see.
/// </summary>
public class StallFactory : BotAppFactory
{
    protected override IDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Pipeline:TurnWorkers"] = "1",
        ["Pipeline:OutboxSenders"] = "0",
        ["Pipeline:LeaseSeconds"] = "30",
        ["Pipeline:PollSeconds"] = "60",
    };

    protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        // After the base settings: this test is about what happens without a fast poll.
        builder.UseSetting("Pipeline:PollSeconds", "60");
    }

    protected override void ConfigureTestServices(IServiceCollection services) =>
        services.AddScoped<ITurnHandler, HookedTurnHandler>();
}

/// <summary>
/// The 30-second stall (issue 20): a message stored while the worker is letting go of its thread must be answered at
/// once, not when the lease expires. The race is made deterministic: right after the first turn commits, the test
/// holds a lock on thread_events, so the worker's next statement that reads that table waits; while it waits, the test
/// stores the next message of the same thread (with the wake-up the recorder gives) and then lets go.
/// </summary>
public class TurnStallTests(StallFactory app) : IClassFixture<StallFactory>
{
    private readonly PipelineDriver driver = new(app);

    [Fact]
    public async Task A_message_stored_while_the_worker_lets_go_of_its_thread_is_answered_without_waiting_for_the_lease()
    {
        var conversation = "chat-" + Guid.NewGuid().ToString("N");
        await using var blocker = new NpgsqlConnection(app.Database.ConnectionString);
        await blocker.OpenAsync();
        NpgsqlTransaction? holding = null;
        var released = false;
        var locked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        HookedTurnHandler.AfterCommit = async ct =>
        {
            holding = await blocker.BeginTransactionAsync(ct);
            await using (var command = new NpgsqlCommand("LOCK TABLE thread_events IN ACCESS EXCLUSIVE MODE", blocker, holding))
            {
                await command.ExecuteNonQueryAsync(ct);
            }
            locked.TrySetResult();
        };
        try
        {
            var first = await driver.ReceiveAsync(HookedTurnHandler.Word, conversation);
            await locked.Task.WaitAsync(TimeSpan.FromSeconds(30));

            // The worker's next look at the database now waits behind the lock.
            await Eventually.GetAsync(
                () => app.Database.CountAsync("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'thread_events'::regclass"),
                waiting => waiting > 0, "the turn worker to wait for thread_events");

            // Meanwhile the next message of the same thread is stored, as the recorder stores it, and the workers woken.
            var second = Guid.CreateVersion7();
            var message = new IncomingMessage
            {
                Address = new ConversationAddress(ScriptedChannelSender.Name, conversation),
                EventId = "second-" + second.ToString("N"),
                From = new Sender("user-1", "user-1"),
                Text = "/help",
                Timestamp = DateTimeOffset.UtcNow,
            };
            await using (var insert = new NpgsqlCommand(
                """
                INSERT INTO inbox (id, channel, event_id, thread_id, conversation_id, user_id, thread_event_id, payload, status, attempts, received_at)
                VALUES ($1, 'scripted', $2, $3, $4, $5, $6, $7::jsonb, 'Pending', 0, now())
                """, blocker, holding))
            {
                foreach (var value in new object[] { second, message.EventId, first.ThreadId, first.ConversationId, first.UserId, Guid.CreateVersion7(), BotJson.Serialize(message) })
                {
                    insert.Parameters.Add(new NpgsqlParameter { Value = value });
                }
                await insert.ExecuteNonQueryAsync();
            }
            await holding!.CommitAsync();
            released = true;
            app.Services.GetRequiredService<PipelineSignals>().Inbox.Set();

            // Answered well before the 30 s lease expires (and the 60 s poll come round).
            var status = await Eventually.GetAsync(
                () => app.Database.ScalarAsync<string>("SELECT status FROM inbox WHERE id = $1", second),
                s => s == "Done", "the second message to be answered", TimeSpan.FromSeconds(20));
            Assert.Equal("Done", status);
            Assert.Null(await app.Database.ScalarAsync<string>("SELECT lease_owner FROM threads WHERE id = $1", first.ThreadId));
        }
        finally
        {
            HookedTurnHandler.AfterCommit = null;
            if (holding is not null && !released)
            {
                await holding.RollbackAsync();
            }
        }
    }
}
