using System.Text.Json;
using Bot.Pipeline.Model;
using Bot.Pipeline;
using Microsoft.Extensions.Logging;

namespace Bot.Channels.Slack;

/// <summary>
/// Delivers to Slack: Markdown as mrkdwn (split under Slack's limits, at most <see cref="OutboundDelivery.MaxParts"/>
/// pieces), plans as Block Kit, always in the thread the conversation is in, and updates through <c>chat.update</c> on
/// the stored <c>channel:ts</c> id. A long reply's pieces are recorded one by one, so a retry never posts one again.
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
            return ephemeral.Ok ? new SendResult.Sent($"ephemeral:{channel}:{JsonMembers.Text(ephemeral.Body, "message_ts")}") : Result(ephemeral, null, delivery);
        }

        // A plan's text is only the notification fallback; plain replies go out in pieces Slack accepts. The split is
        // deterministic (the same message always gives the same pieces), so the pieces earlier attempts delivered are
        // skipped by index. chat.postMessage takes no idempotency key: a piece posted just before a crash, and not yet
        // recorded, is posted once more (that piece only).
        var pieces = blocks is not null
            ? [SlackMrkdwn.Split(text)[0]]
            : ReplyLimits.FitParts(message.Text ?? string.Empty, delivery.MaxParts, markdown => SlackMrkdwn.Split(SlackMrkdwn.FromMarkdown(markdown)));
        var delivered = delivery.DeliveredParts;
        string? first = delivered.Count > 0 ? delivered[0] : null;
        for (var i = delivered.Count; i < pieces.Count; i++)
        {
            var response = await client.PostMessageAsync(channel, pieces[i].Length == 0 ? " " : pieces[i], threadTs, blocks, cancellationToken);
            if (!response.Ok)
            {
                // The pieces already posted are recorded: a retry goes on from this one.
                return Result(response, null, delivery);
            }
            var id = $"{JsonMembers.Text(response.Body, "channel") ?? channel}:{JsonMembers.Text(response.Body, "ts")}";
            first ??= id;
            if (i < pieces.Count - 1)
            {
                await delivery.RecordPartAsync(i, id, cancellationToken);
            }
        }
        // The reply is known by its first piece (where a thread of replies would hang).
        return new SendResult.Sent(first ?? throw new InvalidOperationException("A Slack reply of no pieces."));
    }

    private SendResult Result(SlackResponse response, string? platformId, OutboundDelivery delivery)
    {
        if (response.Ok)
        {
            return new SendResult.Sent(platformId ?? $"{JsonMembers.Text(response.Body, "channel")}:{JsonMembers.Text(response.Body, "ts")}");
        }
        SlackLog.SendFailed(logger, delivery.OutboxId, response.Error ?? "unknown_error", delivery.Attempt);
        var error = response.Error ?? "unknown_error";
        if (response.Transient)
        {
            return new SendResult.RetryLater(error, response.RetryAfter);
        }
        return UnreachableErrors.Contains(error) ? new SendResult.Unreachable(error) : new SendResult.Failed(error);
    }
}
