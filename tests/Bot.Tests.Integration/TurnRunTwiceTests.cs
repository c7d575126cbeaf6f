using System.Text.Json;
using Bot.Pipeline;
using Bot.Pipeline.Model;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Bot.Tests.Integration;

/// <summary>
/// A worker whose lease lapsed on a stalled machine could claim its own thread again and run the same turn twice under
/// the same owner; both runs passed the lease guard, and when both reached one group commit, <c>commit_turns</c> (which
/// updates the inbox row once) inserted both runs' replies: an answer twice, seen as 15 replies to 14 messages in the
/// crash-safety test under load. The worker now names the threads it is running when it claims, and the committer
/// takes at most one commit per message in a batch.
/// </summary>
public class TurnRunTwiceTests(IngestOnlyFactory app) : IClassFixture<IngestOnlyFactory>
{
    private readonly PipelineDriver driver = new(app);

    [Fact]
    public async Task Two_commits_of_the_same_turn_in_one_batch_answer_once()
    {
        var inbound = await driver.ReceiveAsync("/help");
        await app.Database.ScalarAsync<int>("UPDATE threads SET lease_owner = 'w', lease_until = now() + interval '1 minute' WHERE id = $1", inbound.ThreadId);
        var committer = app.Services.GetRequiredService<TurnCommitter>();

        // Hold the committer on a first batch (its inbox row is locked), so the two copies queue up and go in one batch.
        var blocker = await driver.ReceiveAsync("/help");
        await app.Database.ScalarAsync<int>("UPDATE threads SET lease_owner = 'w', lease_until = now() + interval '1 minute' WHERE id = $1", blocker.ThreadId);
        await using var holder = new NpgsqlConnection(app.Database.ConnectionString);
        await holder.OpenAsync();
        await using var holding = await holder.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM inbox WHERE id = $1 FOR UPDATE", holder, holding))
        {
            lockRow.Parameters.Add(new() { Value = blocker.InboxId });
            await lockRow.ExecuteScalarAsync();
        }
        var first = committer.CommitAsync(Commit(blocker, "blocker"));
        await Task.Delay(300);
        var copies = new[] { committer.CommitAsync(Commit(inbound, "one")), committer.CommitAsync(Commit(inbound, "two")) };
        await holding.RollbackAsync();

        Assert.True(await first);
        var results = await Task.WhenAll(copies);
        Assert.Equal(1, results.Count(committed => committed));
        Assert.Equal(1, await app.Database.CountAsync("SELECT count(*) FROM outbox WHERE thread_id = $1", inbound.ThreadId));
        Assert.Equal("Done", await app.Database.ScalarAsync<string>("SELECT status FROM inbox WHERE id = $1", inbound.InboxId));
    }

    /// <summary>A turn's commit as the turn processor writes it: the inbox row done and one reply.</summary>
    private static TurnCommit Commit(InboundRecord inbound, string text)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("inbox_id", inbound.InboxId);
            json.WriteString("thread_id", inbound.ThreadId);
            json.WriteString("conversation_id", inbound.ConversationId);
            json.WriteString("user_id", inbound.UserId);
            json.WriteString("owner", "w");
            json.WriteString("status", "Done");
            json.WriteBoolean("release", false);
            json.WriteStartArray("events");
            json.WriteEndArray();
            json.WriteString("last_at", DateTimeOffset.UtcNow);
            json.WriteStartArray("outbox");
            OutboxRows.Write(json, new OutgoingMessage { Text = text }, inbound.ThreadId, inbound.ConversationId, ScriptedChannelSender.Name, DateTimeOffset.UtcNow.AddMinutes(15));
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return new TurnCommit(inbound.InboxId, buffer.WrittenMemory, QueuesOutgoing: true);
    }
}
