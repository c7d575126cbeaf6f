using Bot.Agent;
using Bot.Agent.Commands;
using Bot.Pipeline.Model;
using Bot.Pipeline;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Tests.Integration;

/// <summary>The command agent, except for two words that make a turn hang or throw, to show the pipeline's guards.</summary>
public sealed class MisbehavingTurnHandler(CommandAgent agent) : ITurnHandler
{
    public static TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task HandleAsync(TurnContext turn, CancellationToken cancellationToken)
    {
        switch (turn.Message.Text)
        {
            case "hang":
                Started.TrySetResult();
                await Task.Delay(Timeout.Infinite, cancellationToken);
                break;
            case "throw":
                throw new InvalidOperationException("the model provider exploded");
            default:
                await agent.HandleAsync(turn, cancellationToken);
                break;
        }
    }
}

public class TurnFactory : IngestOnlyFactory
{
    protected override void ConfigureTestServices(IServiceCollection services)
    {
        services.AddScoped<ITurnHandler, MisbehavingTurnHandler>();
    }
}

/// <summary>The turn processor driven by hand on real PostgreSQL (no background workers run in this host).</summary>
public class TurnPipelineTests(TurnFactory app) : IClassFixture<TurnFactory>
{
    private readonly PipelineDriver driver = new(app);

    private TurnProcessor Processor => driver.Processor;

    private Task<InboundRecord> ReceiveAsync(string text, string? conversation = null) => driver.ReceiveAsync(text, conversation);

    private Task ClaimAsync(string owner, Guid threadId) => driver.ClaimAsync(owner, threadId);

    private Task<long> OutboxCountAsync(Guid threadId) => app.Database.CountAsync("SELECT count(*) FROM outbox WHERE thread_id = $1", threadId);

    [Fact]
    public async Task A_worker_that_lost_its_lease_cannot_commit_a_second_reply()
    {
        var inbound = await ReceiveAsync("/help");
        await ClaimAsync("worker-a", inbound.ThreadId);
        // Worker A stalls past its lease; worker B takes the thread over.
        await app.Database.ScalarAsync<int>("UPDATE threads SET lease_until = now() - interval '1 second' WHERE id = $1", inbound.ThreadId);
        await ClaimAsync("worker-b", inbound.ThreadId);

        await Processor.ProcessThreadAsync(inbound.ThreadId, "worker-a", default);
        Assert.Equal(0, await OutboxCountAsync(inbound.ThreadId));
        Assert.Equal("Pending", await app.Database.ScalarAsync<string>("SELECT status FROM inbox WHERE id = $1", inbound.InboxId));

        await Processor.ProcessThreadAsync(inbound.ThreadId, "worker-b", default);
        Assert.Equal(1, await OutboxCountAsync(inbound.ThreadId));
        Assert.Equal("Done", await app.Database.ScalarAsync<string>("SELECT status FROM inbox WHERE id = $1", inbound.InboxId));
        Assert.Null(await app.Database.ScalarAsync<string>("SELECT lease_owner FROM threads WHERE id = $1", inbound.ThreadId));
    }

    [Fact]
    public async Task Stopping_mid_turn_releases_the_thread_and_keeps_the_message_pending()
    {
        var inbound = await ReceiveAsync("hang");
        await ClaimAsync("worker-a", inbound.ThreadId);
        using var stopping = new CancellationTokenSource();
        var processing = Processor.ProcessThreadAsync(inbound.ThreadId, "worker-a", stopping.Token);
        await MisbehavingTurnHandler.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await stopping.CancelAsync();
        await processing.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Null(await app.Database.ScalarAsync<string>("SELECT lease_owner FROM threads WHERE id = $1", inbound.ThreadId));
        Assert.Equal("Pending", await app.Database.ScalarAsync<string>("SELECT status FROM inbox WHERE id = $1", inbound.InboxId));
        Assert.Equal(0, await OutboxCountAsync(inbound.ThreadId));
    }

    [Fact]
    public async Task A_failing_turn_tells_the_user_and_keeps_the_thread_usable()
    {
        var conversation = "chat-" + Guid.NewGuid().ToString("N");
        var failing = await ReceiveAsync("throw", conversation);
        await ClaimAsync("worker-a", failing.ThreadId);
        await Processor.ProcessThreadAsync(failing.ThreadId, "worker-a", default);

        Assert.Equal("Failed", await app.Database.ScalarAsync<string>("SELECT status FROM inbox WHERE id = $1", failing.InboxId));
        Assert.Contains("the model provider exploded", await app.Database.ScalarAsync<string>("SELECT last_error FROM inbox WHERE id = $1", failing.InboxId), StringComparison.Ordinal);
        Assert.Contains("something went wrong", await app.Database.ScalarAsync<string>(
            "SELECT payload->>'text' FROM outbox WHERE thread_id = $1", failing.ThreadId), StringComparison.Ordinal);

        var next = await ReceiveAsync("/help", conversation);
        Assert.Equal(failing.ThreadId, next.ThreadId);
        await ClaimAsync("worker-a", next.ThreadId);
        await Processor.ProcessThreadAsync(next.ThreadId, "worker-a", default);
        Assert.Equal(2, await OutboxCountAsync(next.ThreadId));
    }

    [Fact]
    public async Task A_message_that_keeps_crashing_its_worker_is_given_up_with_a_word_to_the_user()
    {
        var inbound = await ReceiveAsync("/help");
        // As if three workers had died during this turn, each after counting its attempt.
        await app.Database.ScalarAsync<int>("UPDATE inbox SET attempts = 3 WHERE id = $1", inbound.InboxId);
        await ClaimAsync("worker-a", inbound.ThreadId);
        await Processor.ProcessThreadAsync(inbound.ThreadId, "worker-a", default);

        Assert.Equal("Failed", await app.Database.ScalarAsync<string>("SELECT status FROM inbox WHERE id = $1", inbound.InboxId));
        Assert.Contains("could not process", await app.Database.ScalarAsync<string>(
            "SELECT payload->>'text' FROM outbox WHERE thread_id = $1", inbound.ThreadId), StringComparison.Ordinal);
    }

    [Fact]
    public async Task New_thread_moves_the_conversation_to_a_fresh_thread()
    {
        var conversation = "chat-" + Guid.NewGuid().ToString("N");
        var first = await ReceiveAsync("Budget for December", conversation);
        await ClaimAsync("w", first.ThreadId);
        await Processor.ProcessThreadAsync(first.ThreadId, "w", default);
        var command = await ReceiveAsync("/new", conversation);
        Assert.Equal(first.ThreadId, command.ThreadId);
        await ClaimAsync("w", command.ThreadId);
        await Processor.ProcessThreadAsync(command.ThreadId, "w", default);

        var after = await ReceiveAsync("/threads", conversation);
        Assert.NotEqual(first.ThreadId, after.ThreadId);
        Assert.Equal("Budget for December", await app.Database.ScalarAsync<string>("SELECT title FROM threads WHERE id = $1", first.ThreadId));
        Assert.Equal(after.ThreadId, await app.Database.ScalarAsync<Guid>("SELECT current_thread_id FROM conversations WHERE id = $1", after.ConversationId));
    }

    [Fact]
    public async Task A_reply_to_an_older_bot_message_resumes_that_messages_thread()
    {
        var conversation = "chat-" + Guid.NewGuid().ToString("N");
        var first = await driver.ReceiveAsync("Budget for January", conversation);
        await driver.RunAsync(first.ThreadId);
        // The channel delivered the reply and named it 4242.
        await app.Database.ScalarAsync<int>("UPDATE outbox SET status = 'Sent', platform_message_id = '4242' WHERE thread_id = $1", first.ThreadId);
        var newThread = await driver.ReceiveAsync("/new", conversation);
        await driver.RunAsync(newThread.ThreadId);
        var second = await driver.ReceiveAsync("Something else", conversation);
        Assert.NotEqual(first.ThreadId, second.ThreadId);

        var reply = await driver.ReceiveAsync("About that budget…", conversation, replyTo: "4242");

        Assert.Equal(first.ThreadId, reply.ThreadId);
        Assert.Equal(first.ThreadId, await app.Database.ScalarAsync<Guid>("SELECT current_thread_id FROM conversations WHERE id = $1", reply.ConversationId));
        var unknown = await driver.ReceiveAsync("A reply to something I never sent", conversation, replyTo: "9999");
        Assert.Equal(first.ThreadId, unknown.ThreadId); // an unknown message id leaves the current thread as it is
    }

    [Fact]
    public async Task Concurrent_first_messages_from_a_new_user_make_one_user_and_one_thread()
    {
        var conversation = "chat-" + Guid.NewGuid().ToString("N");
        var platformUser = "racer-" + Guid.NewGuid().ToString("N");
        var recorder = app.Services.GetRequiredService<InboxRecorder>();
        var records = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => recorder.RecordAsync(new IncomingMessage
        {
            Address = new ConversationAddress(ScriptedChannelSender.Name, conversation),
            EventId = $"{conversation}-{i}",
            From = new Sender(platformUser),
            Text = "hi " + i,
            Timestamp = DateTimeOffset.UtcNow,
        }, null, default)));

        Assert.Single(records.Select(r => r.UserId).Distinct());
        Assert.Single(records.Select(r => r.ThreadId).Distinct());
        Assert.Equal(1, await app.Database.CountAsync("SELECT count(*) FROM channel_identities WHERE platform_user_id = $1", platformUser));
        Assert.Equal(12, await app.Database.CountAsync("SELECT count(*) FROM inbox WHERE thread_id = $1", records[0].ThreadId));
    }
}

/// <summary>Group commit in <see cref="InboxRecorder"/>: messages recorded together, each answered for itself.</summary>
public class InboxGroupCommitTests(TurnFactory app) : IClassFixture<TurnFactory>
{
    private static IncomingMessage Message(string conversation, string eventId, string user, string text) => new()
    {
        Address = new ConversationAddress(ScriptedChannelSender.Name, conversation),
        EventId = eventId,
        From = new Sender(user),
        Text = text,
        Timestamp = DateTimeOffset.UtcNow,
    };

    [Fact]
    public async Task Many_conversations_at_once_each_get_their_own_user_thread_and_one_inbox_row_and_redeliveries_are_duplicates()
    {
        var recorder = app.Services.GetRequiredService<InboxRecorder>();
        var run = Guid.NewGuid().ToString("N");
        // 200 messages over 20 conversations (one user each), every one delivered twice at the same moment.
        var messages = Enumerable.Range(0, 200).Select(i => Message($"gc-{run}-{i % 20}", $"gc-{run}-{i}", $"gc-user-{run}-{i % 20}", "m" + i)).ToList();
        var records = await Task.WhenAll(messages.Concat(messages).Select(m => recorder.RecordAsync(m, default)));

        var first = records.Take(200).ToList();
        var second = records.Skip(200).ToList();
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(first[i].InboxId, second[i].InboxId);
            Assert.NotEqual(first[i].Duplicate, second[i].Duplicate);
        }
        Assert.Equal(200, first.Select(r => r.InboxId).Distinct().Count());
        Assert.Equal(20, first.Select(r => r.ThreadId).Distinct().Count());
        Assert.Equal(20, first.Select(r => r.UserId).Distinct().Count());
        // Each conversation's messages share its thread and user.
        Assert.All(first.Select((r, i) => (r, i)).GroupBy(x => x.i % 20), g =>
        {
            Assert.Single(g.Select(x => x.r.ThreadId).Distinct());
            Assert.Single(g.Select(x => x.r.UserId).Distinct());
        });
        Assert.Equal(200, await app.Database.CountAsync("SELECT count(*) FROM inbox WHERE event_id LIKE $1", $"gc-{run}-%"));
        Assert.Equal(200, await app.Database.CountAsync(
            "SELECT count(*) FROM thread_events e JOIN inbox i ON i.thread_event_id = e.id WHERE i.event_id LIKE $1 AND e.role = 'user'", $"gc-{run}-%"));
    }

    [Fact]
    public async Task A_message_the_database_refuses_fails_alone_and_the_others_in_its_batch_are_recorded()
    {
        var recorder = app.Services.GetRequiredService<InboxRecorder>();
        var run = Guid.NewGuid().ToString("N");
        // A constraint only this test adds refuses one message inside record_inbound, which fails the statement of the
        // whole batch it rides in; the recorder then writes the batch's messages one by one.
        await app.Database.ScalarAsync<object>($"ALTER TABLE inbox ADD CONSTRAINT test_refuse_poison CHECK (event_id <> 'poison-{run}') NOT VALID");
        try
        {
            var poison = Message($"poison-{run}", $"poison-{run}", $"poison-user-{run}", "bad");
            var good = Enumerable.Range(0, 30).Select(i => Message($"ok-{run}-{i}", $"ok-{run}-{i}", $"ok-user-{run}-{i}", "fine")).ToList();
            var tasks = good.Take(15).Select(m => recorder.RecordAsync(m, default))
                .Append(recorder.RecordAsync(poison, default))
                .Concat(good.Skip(15).Select(m => recorder.RecordAsync(m, default)))
                .ToList();

            var failure = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => tasks[15]);
            Assert.Equal("23514", failure.SqlState); // check_violation
            var recorded = await Task.WhenAll(tasks.Where((_, i) => i != 15));
            Assert.All(recorded, r => Assert.False(r.Duplicate));
            Assert.Equal(30, await app.Database.CountAsync("SELECT count(*) FROM inbox WHERE event_id LIKE $1", $"ok-{run}-%"));
            Assert.Equal(0, await app.Database.CountAsync("SELECT count(*) FROM conversations WHERE address = $1", $"poison-{run}"));
        }
        finally
        {
            await app.Database.ScalarAsync<object>("ALTER TABLE inbox DROP CONSTRAINT test_refuse_poison");
        }
    }

    [Fact]
    public async Task A_NUL_in_text_is_stored_as_a_replacement_character_and_in_an_id_is_refused()
    {
        var recorder = app.Services.GetRequiredService<InboxRecorder>();
        var run = Guid.NewGuid().ToString("N");
        var record = await recorder.RecordAsync(Message($"nul-{run}", $"nul-{run}", $"nul-user-{run}", "a\0b \\u0000 stays"), default);
        Assert.Equal("a\uFFFDb \\u0000 stays", await app.Database.ScalarAsync<string>("SELECT content->>'text' FROM thread_events WHERE id = $1", record.ThreadEventId));

        var refused = await Assert.ThrowsAsync<InboundRefusedException>(() => recorder.RecordAsync(Message($"nul2-{run}\0", $"nul2-{run}", $"nul-user-{run}", "hi"), default));
        Assert.Contains("characters an id cannot have", refused.Reason, StringComparison.Ordinal);
        Assert.Equal(0, await app.Database.CountAsync("SELECT count(*) FROM inbox WHERE event_id LIKE $1", $"nul2-{run}%"));
    }
}
