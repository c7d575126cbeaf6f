using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Bot.Pipeline;
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

    /// <summary>
    /// An Events API envelope as the bot sees it. Null for what is not for the bot; throws
    /// <see cref="InboundRefusedException"/> for what Slack could not have sent (a field of the wrong type, a timestamp out of range).
    /// </summary>
    public static (SlackMessageKind Kind, IncomingMessage? Message) FromEvent(JsonElement envelope)
    {
        if (Field(envelope, "type", "type") != "event_callback")
        {
            return (SlackMessageKind.Ignore, null);
        }
        if (!envelope.TryGetProperty("event", out var ev) || ev.ValueKind != JsonValueKind.Object)
        {
            throw new InboundRefusedException("event is missing or not an object");
        }
        var eventId = Field(envelope, "event_id", "event_id") ?? throw new InboundRefusedException("event_id is missing");
        var type = Field(ev, "type", "event.type");
        if (type is not ("message" or "app_mention") || ev.TryGetProperty("bot_id", out _) || Field(ev, "subtype", "event.subtype") is not null)
        {
            return (SlackMessageKind.Ignore, null);
        }
        var team = Field(ev, "team", "event.team") ?? Field(envelope, "team_id", "team_id");
        var channel = Field(ev, "channel", "event.channel");
        var user = Field(ev, "user", "event.user");
        var ts = Field(ev, "ts", "event.ts");
        if (team is null || channel is null || user is null || ts is null)
        {
            return (SlackMessageKind.Ignore, null);
        }
        var timestamp = Timestamp(ts, "event.ts");
        var threadTs = Field(ev, "thread_ts", "event.thread_ts");
        if (threadTs is not null)
        {
            Timestamp(threadTs, "event.thread_ts");
        }
        var channelType = Field(ev, "channel_type", "event.channel_type");
        var text = Field(ev, "text", "event.text") ?? string.Empty;
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
            Timestamp = timestamp,
            ConversationReference = Reference(team, channel),
        };
        return (kind, message);
    }

    /// <summary>
    /// A <c>block_actions</c> payload: the pressed button's value carries the command and its arguments. Null for what is
    /// not a button of the bot's; throws <see cref="InboundRefusedException"/> for a payload of the wrong shape.
    /// </summary>
    public static IncomingMessage? FromInteraction(JsonElement payload)
    {
        if (payload.ValueKind != JsonValueKind.Object || Field(payload, "type", "type") != "block_actions")
        {
            return null;
        }
        if (!payload.TryGetProperty("actions", out var actions) || actions.ValueKind != JsonValueKind.Array)
        {
            throw new InboundRefusedException("actions is missing or not an array");
        }
        if (actions.GetArrayLength() == 0)
        {
            return null;
        }
        var action = actions[0];
        if (action.ValueKind != JsonValueKind.Object)
        {
            throw new InboundRefusedException("actions[0] is not an object");
        }
        var value = Field(action, "value", "actions[0].value");
        var team = payload.TryGetProperty("team", out var t) ? Field(t, "id", "team.id") : null;
        var user = payload.TryGetProperty("user", out var u) ? Field(u, "id", "user.id") : null;
        var channel = payload.TryGetProperty("channel", out var c) ? Field(c, "id", "channel.id") : null;
        payload.TryGetProperty("container", out var container);
        payload.TryGetProperty("message", out var card);
        var messageTs = Field(card, "ts", "message.ts") ?? Field(container, "message_ts", "container.message_ts");
        var threadTs = Field(card, "thread_ts", "message.thread_ts") ?? Field(container, "thread_ts", "container.thread_ts");
        var actionTs = Field(action, "action_ts", "actions[0].action_ts");
        if (value is null || team is null || user is null || channel is null || messageTs is null || actionTs is null || !value.StartsWith('/'))
        {
            return null;
        }
        var at = Timestamp(actionTs, "actions[0].action_ts");
        Timestamp(messageTs, "message.ts");
        if (threadTs is not null)
        {
            Timestamp(threadTs, "message.thread_ts");
        }
        var space = value.IndexOf(' ', StringComparison.Ordinal);
        var name = space < 0 ? value : value[..space];
        var args = space < 0 ? string.Empty : value[(space + 1)..];
        return new IncomingMessage
        {
            Address = new ConversationAddress(Channel, Address(team, channel), threadTs ?? messageTs),
            EventId = $"action:{channel}:{messageTs}:{user}:{actionTs}",
            From = new Sender(user, JsonMembers.Text(u, "username") ?? JsonMembers.Text(u, "name")),
            Action = new ActionInvoke(name, new Dictionary<string, string> { ["args"] = args }),
            ThreadMode = ThreadMode.PlatformThreads,
            IsGroup = !channel.StartsWith('D'),
            Timestamp = at,
            ConversationReference = Reference(team, channel),
        };
    }

    /// <summary>
    /// A slash command (<c>/money balances</c>) becomes the bot command it names (<c>/balances</c>), in a thread of its own.
    /// Throws <see cref="InboundRefusedException"/> when a field Slack always sends is missing.
    /// </summary>
    public static IncomingMessage FromSlashCommand(IReadOnlyDictionary<string, string> form, DateTimeOffset now)
    {
        if (!form.TryGetValue("team_id", out var team) || !form.TryGetValue("channel_id", out var channel)
            || !form.TryGetValue("user_id", out var user) || !form.TryGetValue("trigger_id", out var trigger))
        {
            throw new InboundRefusedException("a slash command needs team_id, channel_id, user_id and trigger_id");
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

    /// <summary>The time a Slack timestamp (Unix seconds with a fraction) names; refused when it is not one or is out of range.</summary>
    private static DateTimeOffset Timestamp(string ts, string field)
    {
        const decimal maxSeconds = 253_402_300_799m; // 9999-12-31T23:59:59Z, the last second a DateTimeOffset holds
        if (!IsTimestamp(ts) || !decimal.TryParse(ts, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) || seconds > maxSeconds)
        {
            throw new InboundRefusedException($"{field} is not a Slack timestamp");
        }
        return DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000));
    }

    /// <summary>A string member: null when absent or JSON null; refused when present with another type.</summary>
    private static string? Field(JsonElement element, string name, string field)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            throw new InboundRefusedException($"{field} is a {value.ValueKind.ToString().ToLowerInvariant()}, not a string");
        }
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            throw new InboundRefusedException($"{field} is not valid Unicode text"); // an escaped lone surrogate
        }
    }

    [GeneratedRegex(@"<@[A-Z0-9]+(\|[^>]*)?>")]
    private static partial Regex MentionPattern();

    [GeneratedRegex(@"^\d{1,12}\.\d{1,9}$")]
    private static partial Regex TimestampPattern();
}
