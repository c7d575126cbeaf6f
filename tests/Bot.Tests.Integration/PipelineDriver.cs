using Bot.Pipeline.Model;
using Bot.Pipeline;
using Bot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Tests.Integration;

/// <summary>Drives the pipeline by hand in a host whose background workers are off: record a message, run its thread's turns.</summary>
public sealed class PipelineDriver(BotAppFactory app)
{
    public TurnProcessor Processor => app.Services.GetRequiredService<TurnProcessor>();

    public async Task<InboundRecord> ReceiveAsync(string text, string? conversation = null, string user = "user-1", bool isGroup = false, ActionInvoke? action = null, string? replyTo = null)
    {
        var recorder = app.Services.GetRequiredService<InboxRecorder>();
        return await recorder.RecordAsync(new IncomingMessage
        {
            Address = new ConversationAddress(ScriptedChannelSender.Name, conversation ?? "chat-" + Guid.NewGuid().ToString("N")),
            EventId = Guid.NewGuid().ToString("N"),
            From = new Sender(user, user),
            Text = text,
            Action = action,
            IsGroup = isGroup,
            ReplyToPlatformMessageId = replyTo,
            Timestamp = DateTimeOffset.UtcNow,
        }, null, default);
    }

    /// <summary>Claims the thread as <paramref name="owner"/> (giving back any other pending thread it gets first).</summary>
    public async Task ClaimAsync(string owner, Guid threadId) =>
        await Eventually.GetAsync(async () =>
        {
            var claimed = await Processor.ClaimThreadAsync(owner, default);
            if (claimed is { } id && id != threadId)
            {
                await app.Database.ScalarAsync<int>("UPDATE threads SET lease_owner = NULL, lease_until = now() + interval '1 hour' WHERE id = $1", id);
            }
            return claimed ?? Guid.Empty;
        }, id => id == threadId, "claiming thread " + threadId);

    /// <summary>Claims and runs every pending turn of the thread.</summary>
    public async Task RunAsync(Guid threadId, string owner = "worker")
    {
        await ClaimAsync(owner, threadId);
        await Processor.ProcessThreadAsync(threadId, owner, default);
    }

    public async Task<string?> LastReplyAsync(Guid threadId) =>
        await app.Database.ScalarAsync<string>("SELECT payload->>'text' FROM outbox WHERE thread_id = $1 ORDER BY seq DESC LIMIT 1", threadId);
}
