using System.Text.Json;
using Bot.Pipeline.Model;
using Bot.Pipeline;
using Microsoft.Extensions.Logging;

namespace Bot.Channels.Slack;

/// <summary>
/// Delivers to Slack: Markdown as mrkdwn (split under Slack's limits), plans as Block Kit, always in the thread the
/// conversation is in, and updates through <c>chat.update</c> on the stored <c>channel:ts</c> id.
/// </summary>
public sealed class SlackChannelSender(SlackClient client, ILogger<SlackChannelSender> logger, SlackActionUsers? actionUsers = null) : IChannelSender
{
    /// <summary>Slack errors that mean the bot cannot reach this conversation any more.</summary>
    private static readonly HashSet<string> UnreachableErrors = ["channel_not_found", "not_in_channel", "is_archived", "account_inactive", "user_not_found", "cannot_dm_bot", "user_disabled", "team_access_not_granted"];

    public string Channel => SlackMapper.Channel;

    public async Task<SendResult> SendAsync(OutboundDelivery delivery, CancellationToken cancellationToken)
    {
        var message = delivery.Message;
        var channel = SlackMapper.ChannelOf(delivery.ConversationAddress);
        var threadTs = SlackMapper.IsTimestamp(message.ThreadKey) ? message.ThreadKey : null;
        var blocks = message.Card is { } card ? SlackBlocks.Card(card) : null;
        var text = SlackMrkdwn.FromMarkdown(message.Text ?? string.Empty);

        if (message.Kind == OutgoingKind.Update && delivery.ReplacesPlatformMessageId is { } replaced && replaced.Split(':') is [var updChannel, var ts])
        {
            var updated = await client.UpdateAsync(updChannel, ts, SlackMrkdwn.Split(text)[0], blocks, cancellationToken);
            return Result(updated, replaced, delivery);
        }

        if (blocks is null && message.InReplyTo is { } turn && actionUsers is not null
            && await actionUsers.ClickerOfAsync(turn, cancellationToken) is { } clicker)
        {
            // The answer to a button press (a refusal, "already decided") is for the clicker alone; the card update is public.
            var ephemeral = await client.PostEphemeralAsync(channel, clicker, SlackMrkdwn.Split(text)[0], threadTs, cancellationToken);
            return ephemeral.Ok ? new SendResult.Sent($"ephemeral:{channel}:{Str(ephemeral.Body, "message_ts")}") : Result(ephemeral, null, delivery);
        }

        // A plan's text is only the notification fallback; plain replies go out in pieces Slack accepts.
        var pieces = blocks is not null ? [SlackMrkdwn.Split(text)[0]] : SlackMrkdwn.Split(text);
        string? first = null;
        foreach (var piece in pieces)
        {
            var response = await client.PostMessageAsync(channel, piece.Length == 0 ? " " : piece, threadTs, blocks, cancellationToken);
            if (!response.Ok)
            {
                // Pieces already sent stay sent; a retry may repeat them, which beats losing the rest.
                return Result(response, null, delivery);
            }
            first ??= $"{Str(response.Body, "channel") ?? channel}:{Str(response.Body, "ts")}";
        }
        return new SendResult.Sent(first!);
    }

    private SendResult Result(SlackResponse response, string? platformId, OutboundDelivery delivery)
    {
        if (response.Ok)
        {
            return new SendResult.Sent(platformId ?? $"{Str(response.Body, "channel")}:{Str(response.Body, "ts")}");
        }
        SlackLog.SendFailed(logger, delivery.OutboxId, response.Error ?? "unknown_error", delivery.Attempt);
        var error = response.Error ?? "unknown_error";
        if (response.Transient)
        {
            return new SendResult.RetryLater(error, response.RetryAfter);
        }
        return UnreachableErrors.Contains(error) ? new SendResult.Unreachable(error) : new SendResult.Failed(error);
    }

    private static string? Str(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
