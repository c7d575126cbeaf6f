using System.Text.Json;
using Bot.Channels.Inbound;
using Bot.Pipeline.Model;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Bot.Channels.Slack;

/// <summary>
/// Slack's half of the <see cref="InboundSeam"/>, shared by its request URLs and Socket Mode: what an event, a button
/// press or a slash command means for the bot (step 2). Recording is the acknowledgement's precondition: what Slack was
/// told we have, we have.
/// </summary>
public sealed class SlackInbound(InboundSeam seam, NpgsqlDataSource db, SlackAppHome home, TimeProvider clock, ILogger<SlackInbound> logger)
{
    /// <summary>An Events API envelope: a message or mention to record, or nothing (another bot, an edit, a thread the bot is not in).</summary>
    public async ValueTask<InboundMapping> MapEventAsync(JsonElement envelope, CancellationToken cancellationToken)
    {
        if (AppHomeOpenedBy(envelope) is { } opener)
        {
            // Not a message: nothing is recorded. The tab is drawn before the 200 (views.publish is one quick call).
            return InboundMapping.ActNow(async ct =>
            {
                await home.PublishAsync(opener, ct);
                return Microsoft.AspNetCore.Http.Results.Ok();
            });
        }
        var (kind, message) = SlackMapper.FromEvent(envelope);
        if (message is null || kind == SlackMessageKind.Ignore
            || (kind == SlackMessageKind.ThreadReply && !await IsKnownThreadAsync(message.Address, cancellationToken)))
        {
            SlackLog.Ignored(logger, envelope.TryGetProperty("event", out var ev) ? JsonMembers.Text(ev, "type") : null);
            return InboundMapping.Ignore();
        }
        return InboundMapping.Record(message);
    }

    /// <summary>A block action (a button press) to record; other interactions are not the bot's.</summary>
    public static ValueTask<InboundMapping> MapInteraction(JsonElement payload) =>
        ValueTask.FromResult(SlackMapper.FromInteraction(payload) is { } message ? InboundMapping.Record(message) : InboundMapping.Ignore());

    /// <summary>A slash command, recorded as the person's message.</summary>
    public ValueTask<InboundMapping> MapCommand(IReadOnlyDictionary<string, string> form) =>
        ValueTask.FromResult(InboundMapping.Record(SlackMapper.FromSlashCommand(form, clock.GetUtcNow())));

    /// <summary>A Socket Mode envelope's payload through the seam; the caller acknowledges the envelope afterwards.</summary>
    public async Task<InboundOutcome> AcceptAsync(string? type, JsonElement payload, string? retryNum, CancellationToken cancellationToken)
    {
        var outcome = type switch
        {
            "events_api" => await seam.AcceptAsync(() => MapEventAsync(payload, cancellationToken), cancellationToken),
            "interactive" => await seam.AcceptAsync(() => MapInteraction(payload), cancellationToken),
            "slash_commands" => await seam.AcceptAsync(() => MapCommand(
                payload.ValueKind == JsonValueKind.Object
                    ? payload.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).ToDictionary(p => p.Name, p => p.Value.GetString()!)
                    : []), cancellationToken),
            _ => new InboundOutcome(InboundResult.Ignored),
        };
        if (type == "events_api")
        {
            NoteDuplicate(payload, retryNum, outcome);
        }
        return outcome;
    }

    /// <summary>A redelivered event (Slack retries when it did not see our 200 in time) is logged with its retry number.</summary>
    public void NoteDuplicate(JsonElement envelope, string? retryNum, InboundOutcome outcome)
    {
        if (outcome.Result == InboundResult.Duplicate)
        {
            SlackLog.Duplicate(logger, "event:" + JsonMembers.Text(envelope, "event_id"), retryNum);
        }
    }

    /// <summary>The Slack user who opened the bot's Home tab (<c>app_home_opened</c> with <c>tab: home</c>), or null.</summary>
    private static string? AppHomeOpenedBy(JsonElement envelope) =>
        envelope.TryGetProperty("event", out var ev) && ev.ValueKind == JsonValueKind.Object
        && JsonMembers.Text(ev, "type") == "app_home_opened" && JsonMembers.Text(ev, "tab") == "home"
        && JsonMembers.Text(ev, "user") is { Length: > 0 and <= 64 } user && user.All(char.IsAsciiLetterOrDigit)
            ? user
            : null;

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
