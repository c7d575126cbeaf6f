using Bot.Pipeline.Model;
using Bot.Pipeline;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Tests.Integration;

public class OutboxFactory : IngestOnlyFactory
{
    public ScriptedChannelSender Sender { get; } = new();

    protected override void ConfigureTestServices(IServiceCollection services) => services.AddSingleton<IChannelSender>(Sender);
}

/// <summary>The outbox sender's decisions, driven by hand on real PostgreSQL with a scripted platform.</summary>
public class OutboxTests(OutboxFactory app) : IClassFixture<OutboxFactory>
{
    private OutboxProcessor Processor => app.Services.GetRequiredService<OutboxProcessor>();

    private async Task<Guid> ConversationAsync()
    {
        var id = Guid.CreateVersion7();
        await app.Database.ScalarAsync<int>(
            "INSERT INTO conversations (id, channel, address, created_at) VALUES ($1, $2, $3, now())",
            id, ScriptedChannelSender.Name, "conv-" + id.ToString("N"));
        return id;
    }

    private async Task<Guid> EnqueueAsync(Guid conversationId, string text, TimeSpan? expiresIn = null)
    {
        var id = Guid.CreateVersion7();
        await app.Database.ScalarAsync<int>(
            """
            INSERT INTO outbox (id, conversation_id, channel, payload, status, created_at, next_attempt_at, expires_at)
            VALUES ($1, $2, $3, $4::jsonb, 'Pending', now(), now(), now() + $5)
            """,
            id, conversationId, ScriptedChannelSender.Name, BotJson.Serialize(new OutgoingMessage { Text = text }), expiresIn ?? TimeSpan.FromMinutes(15));
        return id;
    }

    private Task<string?> StatusAsync(Guid id) => app.Database.ScalarAsync<string>("SELECT status FROM outbox WHERE id = $1", id);

    private int DeliveriesOf(Guid id) => app.Sender.Deliveries.Count(d => d.OutboxId == id);

    [Fact]
    public async Task Sent_stores_the_platform_message_id()
    {
        var conversation = await ConversationAsync();
        app.Sender.Script(conversation, new SendResult.Sent("platform-42"));
        var row = await EnqueueAsync(conversation, "hi");
        // Other tests' rows may be due too; drain until ours is done.
        await Support.Eventually.GetAsync(async () => { await Processor.SendDueAsync(50, default); return await StatusAsync(row); }, s => s == "Sent", "row sent");
        Assert.Equal("platform-42", await app.Database.ScalarAsync<string>("SELECT platform_message_id FROM outbox WHERE id = $1", row));
    }

    [Fact]
    public async Task A_delivered_row_is_recorded_as_sent_while_the_rest_of_its_run_is_still_being_sent()
    {
        // A killed sender re-sends (after the lease) only what it had not recorded: here the third send never returns
        // while the test looks, and the first two are already recorded, so a crash now would repeat only the third.
        var conversation = await ConversationAsync();
        var third = new TaskCompletionSource<SendResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sends = 0;
        app.Sender.Platform(conversation, (delivery, ct) =>
            Interlocked.Increment(ref sends) == 3 ? third.Task.WaitAsync(ct) : Task.FromResult<SendResult>(new SendResult.Sent("p-" + delivery.OutboxId.ToString("N")[..8])));
        var rows = new[] { await EnqueueAsync(conversation, "one"), await EnqueueAsync(conversation, "two"), await EnqueueAsync(conversation, "three") };

        var sending = Processor.SendDueAsync(50, default);
        try
        {
            await Support.Eventually.GetAsync(
                () => app.Database.CountAsync("SELECT count(*) FROM outbox WHERE id = ANY($1) AND status = 'Sent'", rows[..2]),
                n => n == 2, "the first two rows recorded as sent while the third is being sent");
            Assert.Equal("Pending", await StatusAsync(rows[2]));
            Assert.False(sending.IsCompleted);
        }
        finally
        {
            third.TrySetResult(new SendResult.Sent("p-third"));
            await sending;
        }
        Assert.Equal("Sent", await StatusAsync(rows[2]));
        Assert.All(rows, row => Assert.Equal(1, DeliveriesOf(row)));
    }

    [Fact]
    public async Task Retry_after_is_honoured_and_later_rows_of_the_conversation_wait()
    {
        var conversation = await ConversationAsync();
        app.Sender.Script(conversation, new SendResult.RetryLater("429 Too Many Requests", TimeSpan.FromSeconds(120)));
        var first = await EnqueueAsync(conversation, "one");
        var second = await EnqueueAsync(conversation, "two");
        await Processor.SendDueAsync(50, default);

        Assert.Equal("Pending", await StatusAsync(first));
        var wait = await app.Database.ScalarAsync<double>("SELECT extract(epoch FROM next_attempt_at - now()) FROM outbox WHERE id = $1", first);
        Assert.InRange(wait, 100, 121);
        Assert.Equal("429 Too Many Requests", await app.Database.ScalarAsync<string>("SELECT last_error FROM outbox WHERE id = $1", first));

        // The second message must not overtake the first.
        await Processor.SendDueAsync(50, default);
        Assert.Equal(0, DeliveriesOf(second));
        Assert.Equal("Pending", await StatusAsync(second));
    }

    [Fact]
    public async Task An_expired_reply_is_never_sent()
    {
        var row = await EnqueueAsync(await ConversationAsync(), "too late", expiresIn: TimeSpan.FromSeconds(-1));
        await Processor.SendDueAsync(50, default);
        Assert.Equal("Expired", await StatusAsync(row));
        Assert.Equal(0, DeliveriesOf(row));
    }

    [Fact]
    public async Task A_retry_that_would_land_after_expiry_expires_instead()
    {
        var conversation = await ConversationAsync();
        app.Sender.Script(conversation, new SendResult.RetryLater("503", TimeSpan.FromMinutes(5)));
        var row = await EnqueueAsync(conversation, "soon", expiresIn: TimeSpan.FromSeconds(30));
        await Support.Eventually.GetAsync(async () => { await Processor.SendDueAsync(50, default); return await StatusAsync(row); }, s => s != "Pending", "row settled");
        Assert.Equal("Expired", await StatusAsync(row));
        Assert.Equal("503", await app.Database.ScalarAsync<string>("SELECT last_error FROM outbox WHERE id = $1", row));
    }

    [Fact]
    public async Task Blocked_marks_the_conversation_unreachable_and_stops_sending_there()
    {
        var conversation = await ConversationAsync();
        app.Sender.Script(conversation, new SendResult.Unreachable("403 Forbidden: bot was blocked by the user"));
        var first = await EnqueueAsync(conversation, "one");
        var second = await EnqueueAsync(conversation, "two");
        await Support.Eventually.GetAsync(async () => { await Processor.SendDueAsync(50, default); return await StatusAsync(first); }, s => s != "Pending", "first settled");

        Assert.Equal("Unreachable", await StatusAsync(first));
        Assert.Equal("Unreachable", await StatusAsync(second));
        Assert.Equal(0, DeliveriesOf(second));
        Assert.Equal("403 Forbidden: bot was blocked by the user",
            await app.Database.ScalarAsync<string>("SELECT unreachable_reason FROM conversations WHERE id = $1", conversation));

        var later = await EnqueueAsync(conversation, "three");
        await Processor.SendDueAsync(50, default);
        Assert.Equal("Unreachable", await StatusAsync(later));
        Assert.Equal(0, DeliveriesOf(later));
        await app.Database.ScalarAsync<int>("UPDATE outbox SET status = 'Failed' WHERE conversation_id = $1", conversation); // not for the other tests' sends
    }

    [Fact]
    public async Task A_part_whose_record_is_refused_stops_the_send_and_leaves_the_row_to_its_lease()
    {
        var conversation = await ConversationAsync();
        var posted = new List<int>();
        Guid? rowId = null;
        app.Sender.Platform(conversation, async (delivery, ct) =>
        {
            for (var part = delivery.DeliveredParts.Count; part < 3; part++)
            {
                posted.Add(part);
                if (part == 1)
                {
                    // Another sender took the row over (its lease ran out) and recorded this part first.
                    await app.Database.ScalarAsync<int>("UPDATE outbox SET parts_sent = 2 WHERE id = $1", rowId!.Value);
                }
                await delivery.RecordPartAsync(part, $"part-{part}", ct);
            }
            return new SendResult.Sent("part-0");
        });
        var row = await EnqueueAsync(conversation, "a reply in three parts");
        rowId = row;
        var later = await EnqueueAsync(conversation, "later");
        await Processor.SendDueAsync(50, default);

        // Part 0 was recorded, part 1's record refused: nothing more posted, nothing of this run recorded as an outcome.
        Assert.Equal([0, 1], posted);
        Assert.Equal(["part-0"], (await app.Database.ScalarAsync<string[]>("SELECT part_ids FROM outbox WHERE id = $1", row))!);
        Assert.Equal("Pending", await StatusAsync(row));
        Assert.True(await app.Database.ScalarAsync<bool>("SELECT lease_until > now() FROM outbox WHERE id = $1", row));
        Assert.Equal(0, DeliveriesOf(later));
        await app.Database.ScalarAsync<int>("UPDATE outbox SET status = 'Failed' WHERE conversation_id = $1", conversation); // not for the other tests' sends
    }

    [Fact]
    public async Task A_refused_message_fails_without_retries()
    {
        var conversation = await ConversationAsync();
        app.Sender.Script(conversation, new SendResult.Failed("400 Bad Request: can't parse entities"));
        var row = await EnqueueAsync(conversation, "bad");
        await Support.Eventually.GetAsync(async () => { await Processor.SendDueAsync(50, default); return await StatusAsync(row); }, s => s != "Pending", "row settled");
        Assert.Equal("Failed", await StatusAsync(row));
        Assert.Equal(1, await app.Database.ScalarAsync<int>("SELECT attempts FROM outbox WHERE id = $1", row));
    }
}
