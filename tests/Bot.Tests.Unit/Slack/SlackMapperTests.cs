using System.Text.Json;
using Bot.Pipeline;
using Bot.Pipeline.Model;
using Bot.Channels.Slack;

namespace Bot.Tests.Unit.Slack;

public class SlackMapperTests
{
    // Shapes as Slack's Events API documents and delivers them (message.im, app_mention, a thread reply).
    private const string DirectMessage = """
        {"token":"x","team_id":"T061EG9R6","api_app_id":"A0PNCHHK2","type":"event_callback","event_id":"Ev0PV52K25","event_time":1700000000,
         "event":{"type":"message","channel":"D024BE91L","user":"U2147483697","text":"what are my balances &amp; debts?","ts":"1700000000.000100",
                  "event_ts":"1700000000.000100","channel_type":"im","team":"T061EG9R6"}}
        """;

    private const string Mention = """
        {"team_id":"T061EG9R6","type":"event_callback","event_id":"Ev0MENTION",
         "event":{"type":"app_mention","user":"U061F7AUR","text":"<@U0LAN0Z89> /balances","ts":"1515449522.000016","channel":"C0LAN2Q65","event_ts":"1515449522000016"}}
        """;

    private const string ThreadReply = """
        {"team_id":"T061EG9R6","type":"event_callback","event_id":"Ev0REPLY",
         "event":{"type":"message","user":"U061F7AUR","text":"and now?","ts":"1515449600.000100","thread_ts":"1515449522.000016","channel":"C0LAN2Q65","channel_type":"channel"}}
        """;

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    [Fact]
    public void A_direct_message_starts_a_thread_at_its_own_ts()
    {
        var (kind, message) = SlackMapper.FromEvent(Json(DirectMessage));
        Assert.Equal(SlackMessageKind.Direct, kind);
        Assert.NotNull(message);
        Assert.Equal(new ConversationAddress("slack", "T061EG9R6:D024BE91L", "1700000000.000100"), message.Address);
        Assert.Equal("event:Ev0PV52K25", message.EventId);
        Assert.Equal("U2147483697", message.From.PlatformUserId);
        Assert.Equal("what are my balances & debts?", message.Text);
        Assert.Equal(ThreadMode.PlatformThreads, message.ThreadMode);
        Assert.False(message.IsGroup);
    }

    [Fact]
    public void A_mention_loses_the_mention_and_is_answered()
    {
        var (kind, message) = SlackMapper.FromEvent(Json(Mention));
        Assert.Equal(SlackMessageKind.Direct, kind);
        Assert.Equal("/balances", message!.Text);
        Assert.Equal("T061EG9R6:C0LAN2Q65", message.Address.ConversationId);
        Assert.True(message.IsGroup);
    }

    [Fact]
    public void A_thread_reply_maps_to_the_threads_root()
    {
        var (kind, message) = SlackMapper.FromEvent(Json(ThreadReply));
        Assert.Equal(SlackMessageKind.ThreadReply, kind);
        Assert.Equal("1515449522.000016", message!.Address.ThreadKey);
    }

    [Theory]
    [InlineData("\"bot_id\":\"B01\",")]
    [InlineData("\"subtype\":\"message_changed\",")]
    [InlineData("\"subtype\":\"bot_message\",")]
    public void Bot_messages_and_subtypes_are_ignored(string extra)
    {
        var json = DirectMessage.Replace("\"type\":\"message\",", "\"type\":\"message\"," + extra, StringComparison.Ordinal);
        Assert.Equal(SlackMessageKind.Ignore, SlackMapper.FromEvent(Json(json)).Kind);
    }

    [Fact]
    public void A_top_level_channel_message_without_a_mention_is_ignored()
    {
        var json = ThreadReply.Replace("\"thread_ts\":\"1515449522.000016\",", "", StringComparison.Ordinal);
        Assert.Equal(SlackMessageKind.Ignore, SlackMapper.FromEvent(Json(json)).Kind);
    }

    [Fact]
    public void A_button_press_becomes_the_command_it_carries()
    {
        var payload = """
            {"type":"block_actions","team":{"id":"T061EG9R6","domain":"x"},"user":{"id":"U2147483697","username":"ann"},
             "channel":{"id":"D024BE91L","name":"directmessage"},
             "container":{"type":"message","message_ts":"1700000001.000200","channel_id":"D024BE91L","thread_ts":"1700000000.000100"},
             "message":{"type":"message","ts":"1700000001.000200","thread_ts":"1700000000.000100","text":"plan"},
             "trigger_id":"1.2.3","actions":[{"type":"button","action_id":"plan_approve","block_id":"plan:ab12","value":"/plan approve ab12 f00d","action_ts":"1700000005.123456"}]}
            """;
        var message = SlackMapper.FromInteraction(Json(payload));
        Assert.NotNull(message);
        Assert.Equal("/plan", message.Action!.Name);
        Assert.Equal("approve ab12 f00d", message.Action.Data["args"]);
        Assert.Equal("1700000000.000100", message.Address.ThreadKey);
        Assert.Equal("T061EG9R6:D024BE91L", message.Address.ConversationId);
        Assert.StartsWith("action:", message.EventId, StringComparison.Ordinal);
    }

    [Fact]
    public void The_slash_command_names_a_bot_command()
    {
        var form = new Dictionary<string, string> { ["team_id"] = "T1", ["channel_id"] = "C1", ["user_id"] = "U1", ["command"] = "/money", ["text"] = "balances", ["trigger_id"] = "9.8.7" };
        var message = SlackMapper.FromSlashCommand(form, DateTimeOffset.UnixEpoch);
        Assert.Equal("/balances", message!.Text);
        Assert.Equal("command:9.8.7", message.EventId);
        Assert.False(SlackMapper.IsTimestamp(message.Address.ThreadKey));
    }
}

/// <summary>Signed payloads Slack could not have sent are refused with a reason that names the field, never thrown past the mapper.</summary>
public class SlackMapperRefusalTests
{
    private const string Event = """
        {"team_id":"T1","type":"event_callback","event_id":"Ev1",
         "event":{"type":"message","channel":"D1","user":"U1","text":"hi","ts":"1700000000.000100","channel_type":"im","team":"T1"}}
        """;

    private const string Press = """
        {"type":"block_actions","team":{"id":"T1"},"user":{"id":"U1"},"channel":{"id":"D1"},
         "message":{"type":"message","ts":"1700000001.000200","text":"plan"},
         "actions":[{"type":"button","value":"/plan approve x","action_ts":"1700000005.123456"}]}
        """;

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    [Theory]
    [InlineData("\"type\":\"message\"", "\"type\":42", "event.type")]
    [InlineData("\"type\":\"message\"", "\"type\":{\"a\":1}", "event.type")]
    [InlineData("\"ts\":\"1700000000.000100\"", "\"ts\":\"99999999999999999999.000100\"", "event.ts")]
    [InlineData("\"ts\":\"1700000000.000100\"", "\"ts\":\"9999999999999.000100\"", "event.ts")]
    [InlineData("\"ts\":\"1700000000.000100\"", "\"ts\":1700000000.0001", "event.ts")]
    [InlineData("\"channel\":\"D1\"", "\"channel\":[\"D1\"]", "event.channel")]
    [InlineData("\"event_id\":\"Ev1\"", "\"event_id\":7", "event_id")]
    public void An_event_field_of_the_wrong_type_or_range_is_refused(string field, string replacement, string named)
    {
        var refused = Assert.Throws<InboundRefusedException>(() => SlackMapper.FromEvent(Json(Event.Replace(field, replacement, StringComparison.Ordinal))));
        Assert.Contains(named, refused.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"actions\":[{\"type\":\"button\",\"value\":\"/plan approve x\",\"action_ts\":\"1700000005.123456\"}]", "\"actions\":\"approve\"", "actions")]
    [InlineData("\"actions\":[{\"type\":\"button\",\"value\":\"/plan approve x\",\"action_ts\":\"1700000005.123456\"}]", "\"actions\":{\"value\":\"/plan\"}", "actions")]
    [InlineData("\"action_ts\":\"1700000005.123456\"", "\"action_ts\":\"99999999999999999999999.1\"", "action_ts")]
    [InlineData("\"ts\":\"1700000001.000200\"", "\"ts\":\"yesterday\"", "message.ts")]
    public void A_button_press_of_the_wrong_shape_is_refused(string field, string replacement, string named)
    {
        var refused = Assert.Throws<InboundRefusedException>(() => SlackMapper.FromInteraction(Json(Press.Replace(field, replacement, StringComparison.Ordinal))));
        Assert.Contains(named, refused.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_well_formed_event_and_press_still_map()
    {
        Assert.NotNull(SlackMapper.FromEvent(Json(Event)).Message);
        Assert.NotNull(SlackMapper.FromInteraction(Json(Press)));
    }

    [Fact]
    public void A_slash_command_without_its_ids_is_refused()
    {
        var refused = Assert.Throws<InboundRefusedException>(() => SlackMapper.FromSlashCommand(new Dictionary<string, string> { ["team_id"] = "T1", ["text"] = "help" }, DateTimeOffset.UnixEpoch));
        Assert.Contains("trigger_id", refused.Reason, StringComparison.Ordinal);
    }
}
