using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Bot.Pipeline.Model;

namespace Bot.Channels.Slack;

/// <summary>What an Events API message event is to the bot.</summary>
public enum SlackMessageKind
{
    /// <summary>Not for the bot: its own or another bot's message, an edit, a join, an unknown event.</summary>
    Ignore,
    /// <summary>A direct message or a mention: always answered.</summary>
    Direct,
    /// <summary>A reply in a channel thread: answered only when the bot is already part of the thread.</summary>
    ThreadReply,
}

/// <summary>Pure mapping between Slack's JSON (events, interactivity, slash commands) and the neutral model.</summary>
public static partial class SlackMapper
{
    public const string Channel = "slack";

    /// <summary>The conversation address of a Slack channel: team + channel.</summary>
    public static string Address(string team, string channel) => $"{team}:{channel}";

    /// <summary>The Slack channel id of an address written by <see cref="Address"/>.</summary>
    public static string ChannelOf(string address) => address[(address.IndexOf(':', StringComparison.Ordinal) + 1)..];

    /// <summary>A Slack message timestamp (<c>1700000000.000100</c>), the only kind of thread key Slack accepts as <c>thread_ts</c>.</summary>
    public static bool IsTimestamp(string? value) => value is not null && TimestampPattern().IsMatch(value);

    public static (SlackMessageKind Kind, IncomingMessage? Message) FromEvent(JsonElement envelope)
    {
        if (Str(envelope, "type") != "event_callback" || !envelope.TryGetProperty("event", out var ev) || Str(envelope, "event_id") is not { } eventId)
        {
            return (SlackMessageKind.Ignore, null);
        }
        var type = Str(ev, "type");
        if (type is not ("message" or "app_mention") || ev.TryGetProperty("bot_id", out _) || Str(ev, "subtype") is not null)
        {
            return (SlackMessageKind.Ignore, null);
        }
        var team = Str(ev, "team") ?? Str(envelope, "team_id");
        var channel = Str(ev, "channel");
        var user = Str(ev, "user");
        var ts = Str(ev, "ts");
        if (team is null || channel is null || user is null || ts is null)
        {
            return (SlackMessageKind.Ignore, null);
        }
        var threadTs = Str(ev, "thread_ts");
        var channelType = Str(ev, "channel_type");
        var text = Str(ev, "text") ?? string.Empty;
        SlackMessageKind kind;
        if (type == "app_mention")
        {
            kind = SlackMessageKind.Direct;
        }
        else if (channelType == "im")
        {
            kind = SlackMessageKind.Direct;
        }
        else if (threadTs is not null && threadTs != ts && !MentionPattern().IsMatch(text))
        {
            // A mention in a thread also arrives as app_mention; answering both would answer twice.
            kind = SlackMessageKind.ThreadReply;
        }
        else
        {
            return (SlackMessageKind.Ignore, null);
        }
        var message = new IncomingMessage
        {
            Address = new ConversationAddress(Channel, Address(team, channel), threadTs ?? ts),
            EventId = "event:" + eventId,
            From = new Sender(user),
            Text = UnescapeText(MentionPattern().Replace(text, string.Empty).Trim()),
            ThreadMode = ThreadMode.PlatformThreads,
            IsGroup = channelType != "im",
            Timestamp = FromTs(ts),
            ConversationReference = Reference(team, channel),
        };
        return (kind, message);
    }

    /// <summary>A <c>block_actions</c> payload: the pressed button's value carries the command and its arguments.</summary>
    public static IncomingMessage? FromInteraction(JsonElement payload)
    {
        if (Str(payload, "type") != "block_actions" || !payload.TryGetProperty("actions", out var actions) || actions.GetArrayLength() == 0)
        {
            return null;
        }
        var action = actions[0];
        var value = Str(action, "value");
        var team = payload.TryGetProperty("team", out var t) ? Str(t, "id") : null;
        var user = payload.TryGetProperty("user", out var u) ? Str(u, "id") : null;
        var channel = payload.TryGetProperty("channel", out var c) ? Str(c, "id") : null;
        payload.TryGetProperty("container", out var container);
        payload.TryGetProperty("message", out var card);
        var messageTs = (card.ValueKind == JsonValueKind.Object ? Str(card, "ts") : null) ?? (container.ValueKind == JsonValueKind.Object ? Str(container, "message_ts") : null);
        var threadTs = (card.ValueKind == JsonValueKind.Object ? Str(card, "thread_ts") : null) ?? (container.ValueKind == JsonValueKind.Object ? Str(container, "thread_ts") : null);
        var actionTs = Str(action, "action_ts");
        if (value is null || team is null || user is null || channel is null || messageTs is null || actionTs is null || !value.StartsWith('/'))
        {
            return null;
        }
        var space = value.IndexOf(' ', StringComparison.Ordinal);
        var name = space < 0 ? value : value[..space];
        var args = space < 0 ? string.Empty : value[(space + 1)..];
        return new IncomingMessage
        {
            Address = new ConversationAddress(Channel, Address(team, channel), threadTs ?? messageTs),
            EventId = $"action:{channel}:{messageTs}:{user}:{actionTs}",
            From = new Sender(user, u.ValueKind == JsonValueKind.Object ? Str(u, "username") ?? Str(u, "name") : null),
            Action = new ActionInvoke(name, new Dictionary<string, string> { ["args"] = args }),
            ThreadMode = ThreadMode.PlatformThreads,
            IsGroup = !channel.StartsWith('D'),
            Timestamp = FromTs(actionTs),
            ConversationReference = Reference(team, channel),
        };
    }

    /// <summary>A slash command (<c>/money balances</c>) becomes the bot command it names (<c>/balances</c>), in a thread of its own.</summary>
    public static IncomingMessage? FromSlashCommand(IReadOnlyDictionary<string, string> form, DateTimeOffset now)
    {
        if (!form.TryGetValue("team_id", out var team) || !form.TryGetValue("channel_id", out var channel)
            || !form.TryGetValue("user_id", out var user) || !form.TryGetValue("trigger_id", out var trigger))
        {
            return null;
        }
        var text = form.TryGetValue("text", out var t) ? t.Trim() : string.Empty;
        var command = text.Length == 0 ? "/help" : text.StartsWith('/') ? text : "/" + text;
        return new IncomingMessage
        {
            Address = new ConversationAddress(Channel, Address(team, channel), "command:" + trigger),
            EventId = "command:" + trigger,
            From = new Sender(user, form.TryGetValue("user_name", out var name) ? name : null),
            Text = command,
            ThreadMode = ThreadMode.PlatformThreads,
            IsGroup = !channel.StartsWith('D'),
            Timestamp = now,
            ConversationReference = Reference(team, channel),
        };
    }

    private static string Reference(string team, string channel) => JsonSerializer.Serialize(new { team, channel });

    private static string UnescapeText(string text) => text.Replace("&lt;", "<", StringComparison.Ordinal).Replace("&gt;", ">", StringComparison.Ordinal).Replace("&amp;", "&", StringComparison.Ordinal);

    private static DateTimeOffset FromTs(string ts) =>
        decimal.TryParse(ts, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000))
            : DateTimeOffset.UnixEpoch;

    private static string? Str(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    [GeneratedRegex(@"<@[A-Z0-9]+(\|[^>]*)?>")]
    private static partial Regex MentionPattern();

    [GeneratedRegex(@"^\d+\.\d+$")]
    private static partial Regex TimestampPattern();
}
