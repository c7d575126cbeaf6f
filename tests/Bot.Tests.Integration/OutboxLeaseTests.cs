using Bot.Pipeline;
using Bot.Pipeline.Model;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Tests.Integration;

/// <summary>A host whose outbox leases last four seconds and that sends nothing by itself: the test is both senders.</summary>
public class ShortLeaseOutboxFactory : BotAppFactory
{
    public ScriptedChannelSender Sender { get; } = new();

    protected override IDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Pipeline:TurnWorkers"] = "0",
        ["Pipeline:OutboxSenders"] = "0",
        ["Pipeline:LeaseSeconds"] = "4", // renewed every 1.3 s: a loaded machine has 2.7 s of slack before a lease could lapse
    };

    protected override void ConfigureTestServices(IServiceCollection services) => services.AddSingleton<IChannelSender>(Sender);
}

/// <summary>
/// A reply whose platform call outlasts the lease is still delivered once: the sender renews its rows' leases while it
/// sends, so a second sender (another worker or replica) polling all the while never claims them mid-send.
/// </summary>
public class OutboxLeaseTests(ShortLeaseOutboxFactory app) : IClassFixture<ShortLeaseOutboxFactory>
{
    [Fact]
    public async Task A_send_slower_than_the_lease_is_not_claimed_and_sent_again_by_another_sender()
    {
        var conversation = Guid.CreateVersion7();
        await app.Database.ScalarAsync<int>(
            "INSERT INTO conversations (id, channel, address, created_at) VALUES ($1, $2, $3, now())",
            conversation, ScriptedChannelSender.Name, "conv-" + conversation.ToString("N"));
        var row = Guid.CreateVersion7();
        await app.Database.ScalarAsync<int>(
            """
            INSERT INTO outbox (id, conversation_id, channel, payload, status, created_at, next_attempt_at, expires_at)
            VALUES ($1, $2, $3, $4::jsonb, 'Pending', now(), now(), now() + interval '15 minutes')
            """,
            row, conversation, ScriptedChannelSender.Name, BotJson.Serialize(new OutgoingMessage { Text = "slow" }));
        // The platform takes more than three leases to answer.
        app.Sender.Platform(conversation, async (_, cancellationToken) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(13), cancellationToken);
            return new SendResult.Sent("platform-1");
        });

        var processor = app.Services.GetRequiredService<OutboxProcessor>();
        var first = processor.SendDueAsync(50, CancellationToken.None);
        var secondClaims = 0;
        while (!first.IsCompleted)
        {
            secondClaims += await processor.SendDueAsync(50, CancellationToken.None); // the other sender, polling
            await Task.Delay(200);
        }
        Assert.Equal(1, await first);

        Assert.Equal(0, secondClaims);
        Assert.Equal(1, app.Sender.Deliveries.Count(d => d.OutboxId == row));
        Assert.Equal("Sent", await app.Database.ScalarAsync<string>("SELECT status FROM outbox WHERE id = $1", row));
    }
}
