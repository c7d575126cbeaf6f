using System.Text.Json;
using Bot.Pipeline.Model;
using Bot.Channels.BotFramework;
using Bot.Channels.Web;

namespace Bot.Tests.Unit;

public class DirectLineMapperTests
{
    // What Web Chat 4.18 posts for a typed message (recorded shape).
    private const string WebChatPost =
        """
        {"channelData":{"clientActivityID":"1732180000000abc","clientTimestamp":"2026-11-21T08:00:00.000Z"},
         "text":"hello there","textFormat":"plain","type":"message","channelId":"webchat",
         "from":{"id":"dl_123","name":"","role":"user"},"locale":"en-US","entities":[{"type":"ClientCapabilities","requiresBotState":true}]}
        """;

    private static Activity Parse(string json) => JsonSerializer.Deserialize<Activity>(json, ActivityJson.Options)!;

    [Fact]
    public void Client_activity_id_comes_from_channel_data()
    {
        Assert.Equal("1732180000000abc", DirectLineMapper.ClientActivityId(Parse(WebChatPost)));
        Assert.Null(DirectLineMapper.ClientActivityId(Parse("""{"type":"message","text":"x"}""")));
        Assert.Null(DirectLineMapper.ClientActivityId(Parse("""{"type":"message","channelData":"oops"}""")));
    }

    [Fact]
    public void Echo_keeps_what_the_client_sent_and_adds_server_fields()
    {
        var at = DateTimeOffset.Parse("2026-11-21T08:00:01Z", System.Globalization.CultureInfo.InvariantCulture);
        var echo = DirectLineMapper.Echo(Parse(WebChatPost), "a1", "conv1", at);
        var json = JsonSerializer.SerializeToElement(echo, ActivityJson.Options);

        Assert.Equal("a1", json.GetProperty("id").GetString());
        Assert.Equal("directline", json.GetProperty("channelId").GetString());
        Assert.Equal("conv1", json.GetProperty("conversation").GetProperty("id").GetString());
        Assert.Equal("user", json.GetProperty("from").GetProperty("role").GetString());
        Assert.Equal("dl_123", json.GetProperty("from").GetProperty("id").GetString());
        Assert.Equal("1732180000000abc", json.GetProperty("channelData").GetProperty("clientActivityID").GetString());
        // Fields the typed model does not know survive the round trip.
        Assert.Equal("ClientCapabilities", json.GetProperty("entities")[0].GetProperty("type").GetString());
    }

    [Fact]
    public void Incoming_message_is_from_the_owner_whatever_id_the_client_claims()
    {
        var incoming = DirectLineMapper.ToIncoming(Parse(WebChatPost), "conv1", "conv1:x", DateTimeOffset.UnixEpoch, DirectLineMapper.OwnerId);
        Assert.Equal("owner", incoming.From.PlatformUserId);
        Assert.Equal(new ConversationAddress("web", "conv1"), incoming.Address);
        Assert.Equal(ThreadMode.ConversationIsThread, incoming.ThreadMode);
        Assert.Equal("hello there", incoming.Text);
    }

    [Fact]
    public void Card_action_value_becomes_an_action()
    {
        var action = DirectLineMapper.ActionFrom(Parse("""{"type":"message","value":{"action":"approve","plan":"p1","n":3,"nested":{"x":1}}}"""));
        Assert.NotNull(action);
        Assert.Equal("approve", action.Name);
        Assert.Equal("p1", action.Data["plan"]);
        Assert.Equal("3", action.Data["n"]);
        Assert.False(action.Data.ContainsKey("nested"));
        Assert.Null(DirectLineMapper.ActionFrom(Parse("""{"type":"message","value":{"plan":"p1"}}""")));
        Assert.Null(DirectLineMapper.ActionFrom(Parse("""{"type":"message","value":"approve"}""")));
    }

    [Fact]
    public void Bot_activity_is_markdown_with_buttons_as_suggested_actions()
    {
        var message = new OutgoingMessage { Text = "**Pick one**", Buttons = [new MessageButton("Open", "open_thread", new Dictionary<string, string> { ["thread"] = "t1" })] };
        var activity = DirectLineMapper.ToActivity(message, "b1", "conv1", "Finance assistant", DateTimeOffset.UnixEpoch);
        var json = JsonSerializer.SerializeToElement(activity, ActivityJson.Options);

        Assert.Equal("message", json.GetProperty("type").GetString());
        Assert.Equal("markdown", json.GetProperty("textFormat").GetString());
        Assert.Equal("bot", json.GetProperty("from").GetProperty("role").GetString());
        var action = json.GetProperty("suggestedActions").GetProperty("actions")[0];
        Assert.Equal("messageBack", action.GetProperty("type").GetString());
        Assert.Equal("open_thread", action.GetProperty("value").GetProperty("action").GetString());
        Assert.Equal("t1", action.GetProperty("value").GetProperty("thread").GetString());
    }

    [Fact]
    public void Activity_set_json_is_well_formed()
    {
        var page = new ActivityPage(["{\"id\":\"a\"}", "{\"id\":\"b\"}"], "7");
        var json = JsonDocument.Parse(page.ToActivitySetJson()).RootElement;
        Assert.Equal(2, json.GetProperty("activities").GetArrayLength());
        Assert.Equal("7", json.GetProperty("watermark").GetString());

        var empty = JsonDocument.Parse(new ActivityPage([], null).ToActivitySetJson()).RootElement;
        Assert.Equal(0, empty.GetProperty("activities").GetArrayLength());
        Assert.False(empty.TryGetProperty("watermark", out _));
    }
}
