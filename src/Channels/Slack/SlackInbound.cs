using System.Text.Json;
using Bot.Pipeline.Model;
using Bot.Pipeline;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Bot.Channels.Slack;

/// <summary>What an inbound Slack payload came to: recorded (or a known duplicate), ignored, or refused as malformed.</summary>
public enum SlackInboundResult { Recorded, Duplicate, Ignored, Refused }

/// <summary>The result, and for a refusal the reason (which names the field, never its value).</summary>
public readonly record struct SlackInboundOutcome(SlackInboundResult Result, string? Reason = null)
{
    public static implicit operator SlackInboundOutcome(SlackInboundResult result) => new(result);
}

/// <summary>
/// The verified payloads of Slack (over HTTP or Socket Mode) into the inbox: events, button presses, slash commands.
/// Recording is the acknowledgement's precondition: what Slack was told we have, we have.
/// </summary>
public sealed class SlackInbound(InboxRecorder inbox, NpgsqlDataSource db, TimeProvider clock, ILogger<SlackInbound> logger)
{
    public Task<SlackInboundOutcome> EventAsync(JsonElement envelope, string? retryNum, CancellationToken cancellationToken) =>
        RefusingMalformedAsync(async () =>
        {
            var (kind, message) = SlackMapper.FromEvent(envelope);
            if (message is null || kind == SlackMessageKind.Ignore
                || (kind == SlackMessageKind.ThreadReply && !await IsKnownThreadAsync(message.Address, cancellationToken)))
            {
                SlackLog.Ignored(logger, envelope.TryGetProperty("event", out var ev) ? JsonMembers.Text(ev, "type") : null);
                return SlackInboundResult.Ignored;
            }
            var record = await inbox.RecordAsync(message, cancellationToken);
            if (record.Duplicate)
            {
                SlackLog.Duplicate(logger, message.EventId, retryNum);
                return SlackInboundResult.Duplicate;
            }
            return SlackInboundResult.Recorded;
        });

    public Task<SlackInboundOutcome> InteractionAsync(JsonElement payload, CancellationToken cancellationToken) =>
        RefusingMalformedAsync(async () =>
        {
            var message = SlackMapper.FromInteraction(payload);
            if (message is null)
            {
                return SlackInboundResult.Ignored;
            }
            var record = await inbox.RecordAsync(message, cancellationToken);
            return record.Duplicate ? SlackInboundResult.Duplicate : SlackInboundResult.Recorded;
        });

    public Task<SlackInboundOutcome> CommandAsync(IReadOnlyDictionary<string, string> form, CancellationToken cancellationToken) =>
        RefusingMalformedAsync(async () =>
        {
            var message = SlackMapper.FromSlashCommand(form, clock.GetUtcNow());
            var record = await inbox.RecordAsync(message, cancellationToken);
            return record.Duplicate ? SlackInboundResult.Duplicate : SlackInboundResult.Recorded;
        });

    /// <summary>A payload the mapper or the inbox refuses comes back as refused, with its reason; the caller logs it once.</summary>
    private static async Task<SlackInboundOutcome> RefusingMalformedAsync(Func<Task<SlackInboundOutcome>> handle)
    {
        try
        {
            return await handle();
        }
        catch (InboundRefusedException refused)
        {
            return new SlackInboundOutcome(SlackInboundResult.Refused, refused.Reason);
        }
    }

    /// <summary>Whether the bot already takes part in this Slack thread (it answered there before).</summary>
    private async Task<bool> IsKnownThreadAsync(ConversationAddress address, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(
            "SELECT EXISTS (SELECT 1 FROM threads t JOIN conversations c ON c.id = t.conversation_id WHERE c.channel = $1 AND c.address = $2 AND t.thread_key = $3)");
        command.Parameters.Add(new() { Value = address.Channel });
        command.Parameters.Add(new() { Value = address.ConversationId });
        command.Parameters.Add(new() { Value = address.ThreadKey! });
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }
}
