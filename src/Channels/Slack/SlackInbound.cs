using System.Text.Json;
using Bot.Pipeline.Model;
using Bot.Pipeline;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Bot.Channels.Slack;

/// <summary>What an inbound Slack payload came to: recorded (or a known duplicate), ignored, or malformed.</summary>
public enum SlackInboundResult { Recorded, Duplicate, Ignored, Malformed }

/// <summary>
/// The verified payloads of Slack (over HTTP or Socket Mode) into the inbox: events, button presses, slash commands.
/// Recording is the acknowledgement's precondition: what Slack was told we have, we have.
/// </summary>
public sealed class SlackInbound(InboxRecorder inbox, NpgsqlDataSource db, TimeProvider clock, ILogger<SlackInbound> logger)
{
    public async Task<SlackInboundResult> EventAsync(JsonElement envelope, string? retryNum, CancellationToken cancellationToken)
    {
        var (kind, message) = SlackMapper.FromEvent(envelope);
        if (message is null || kind == SlackMessageKind.Ignore
            || (kind == SlackMessageKind.ThreadReply && !await IsKnownThreadAsync(message.Address, cancellationToken)))
        {
            SlackLog.Ignored(logger, envelope.TryGetProperty("event", out var ev) && ev.ValueKind == JsonValueKind.Object && ev.TryGetProperty("type", out var t) ? t.GetString() : null);
            return SlackInboundResult.Ignored;
        }
        var record = await inbox.RecordAsync(message, cancellationToken);
        if (record.Duplicate)
        {
            SlackLog.Duplicate(logger, message.EventId, retryNum);
            return SlackInboundResult.Duplicate;
        }
        return SlackInboundResult.Recorded;
    }

    public async Task<SlackInboundResult> InteractionAsync(JsonElement payload, CancellationToken cancellationToken)
    {
        var message = SlackMapper.FromInteraction(payload);
        if (message is null)
        {
            return SlackInboundResult.Ignored;
        }
        var record = await inbox.RecordAsync(message, cancellationToken);
        return record.Duplicate ? SlackInboundResult.Duplicate : SlackInboundResult.Recorded;
    }

    public async Task<SlackInboundResult> CommandAsync(IReadOnlyDictionary<string, string> form, CancellationToken cancellationToken)
    {
        var message = SlackMapper.FromSlashCommand(form, clock.GetUtcNow());
        if (message is null)
        {
            return SlackInboundResult.Malformed;
        }
        var record = await inbox.RecordAsync(message, cancellationToken);
        return record.Duplicate ? SlackInboundResult.Duplicate : SlackInboundResult.Recorded;
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
