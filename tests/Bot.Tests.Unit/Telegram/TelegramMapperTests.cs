using System.Text;
using System.Text.Json;
using Bot.Pipeline.Model;
using Bot.Channels.Telegram;
using Telegram.Bot;
using Telegram.Bot.Types;

namespace Bot.Tests.Unit.Telegram;

public class TelegramMapperTests
{
    private static readonly TelegramBotIdentity Bot = new(666, "FinBot");

    /// <summary>Read as the product reads it: Telegram.Bot's types with its own JSON settings.</summary>
    public static Update Parse(string json) => JsonSerializer.Deserialize<Update>(json, JsonBotAPI.Options)!;

    [Fact]
    public void Private_message_is_a_current_thread_pointer_chat_keyed_by_chat_id()
    {
        var inbound = TelegramMapper.Map(Parse("""
            {"update_id":1001,"message":{"message_id":5,"from":{"id":42,"is_bot":false,"first_name":"Ann","last_name":"Lee","username":"ann"},
             "chat":{"id":42,"first_name":"Ann","type":"private"},"date":1763712000,"text":"/buy@FinBot 5 AAPL limit 190",
             "entities":[{"offset":0,"length":11,"type":"bot_command"}]}}
            """), Bot)!;
        Assert.Equal(new ConversationAddress("telegram", "42"), inbound.Message.Address);
        Assert.Equal("update:1001", inbound.Message.EventId);
        Assert.Equal(ThreadMode.CurrentThreadPointer, inbound.Message.ThreadMode);
        Assert.Equal("/buy 5 AAPL limit 190", inbound.Message.Text);
        Assert.Equal("Ann Lee", inbound.Message.From.DisplayName);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1763712000), inbound.Message.Timestamp);
        Assert.False(inbound.Message.IsGroup);
        Assert.Null(inbound.CallbackQueryId);
    }

    [Theory]
    [InlineData("""{"update_id":7,"message":{"message_id":1,"from":{"id":1,"is_bot":false,"first_name":"A"},"chat":{"id":-100,"type":"supergroup","title":"T"},"date":1,"text":"hi @FinBot what is my balance"}}""", "hi what is my balance")]
    [InlineData("""{"update_id":7,"message":{"message_id":1,"from":{"id":1,"is_bot":false,"first_name":"A"},"chat":{"id":-100,"type":"group","title":"T"},"date":1,"text":"/portfolio@FinBot"}}""", "/portfolio")]
    [InlineData("""{"update_id":7,"message":{"message_id":2,"from":{"id":1,"is_bot":false,"first_name":"A"},"chat":{"id":-100,"type":"group","title":"T"},"date":1,"text":"and now?","reply_to_message":{"message_id":1,"from":{"id":666,"is_bot":true,"first_name":"Fin"},"chat":{"id":-100,"type":"group"},"date":1,"text":"x"}}}""", "and now?")]
    public void Group_message_addressed_to_the_bot_is_taken(string json, string text)
    {
        var inbound = TelegramMapper.Map(Parse(json), Bot)!;
        Assert.True(inbound.Message.IsGroup);
        Assert.Equal(text, inbound.Message.Text);
        Assert.Equal("-100", inbound.Message.Address.ConversationId);
    }

    [Fact]
    public void A_reply_to_the_bots_message_names_it_so_its_thread_resumes()
    {
        var reply = TelegramMapper.Map(Parse("""{"update_id":9,"message":{"message_id":5,"from":{"id":42,"is_bot":false,"first_name":"Ann"},"chat":{"id":42,"type":"private"},"date":1,"text":"and that?","reply_to_message":{"message_id":3,"from":{"id":666,"is_bot":true,"first_name":"Fin"},"chat":{"id":42,"type":"private"},"date":1,"text":"x"}}}"""), Bot)!;
        Assert.Equal("3", reply.Message.ReplyToPlatformMessageId);
        var toSomeoneElse = TelegramMapper.Map(Parse("""{"update_id":10,"message":{"message_id":6,"from":{"id":42,"is_bot":false,"first_name":"Ann"},"chat":{"id":42,"type":"private"},"date":1,"text":"quote","reply_to_message":{"message_id":4,"from":{"id":42,"is_bot":false,"first_name":"Ann"},"chat":{"id":42,"type":"private"},"date":1,"text":"x"}}}"""), Bot)!;
        Assert.Null(toSomeoneElse.Message.ReplyToPlatformMessageId);
    }

    [Theory]
    [InlineData("""{"update_id":8,"message":{"message_id":1,"from":{"id":1,"is_bot":false,"first_name":"A"},"chat":{"id":-100,"type":"group","title":"T"},"date":1,"text":"lunch anyone?"}}""")]
    [InlineData("""{"update_id":8,"message":{"message_id":1,"from":{"id":1,"is_bot":false,"first_name":"A"},"chat":{"id":-100,"type":"supergroup","title":"T"},"date":1,"text":"/portfolio@OtherBot"}}""")]
    public void Group_message_not_addressed_to_the_bot_is_ignored(string json) => Assert.Null(TelegramMapper.Map(Parse(json), Bot));

    [Fact]
    public void Forum_topic_is_a_platform_thread_keyed_by_message_thread_id()
    {
        var inbound = TelegramMapper.Map(Parse("""
            {"update_id":9,"message":{"message_id":30,"message_thread_id":17,"is_topic_message":true,"from":{"id":1,"is_bot":false,"first_name":"A"},
             "chat":{"id":-1001,"type":"supergroup","title":"Money","is_forum":true},"date":1763712000,"text":"@FinBot /balances"}}
            """), Bot)!;
        Assert.Equal(new ConversationAddress("telegram", "-1001", "17"), inbound.Message.Address);
        Assert.Equal(ThreadMode.PlatformThreads, inbound.Message.ThreadMode);
        Assert.Equal("/balances", inbound.Message.Text);
        Assert.Contains("17", inbound.Message.ConversationReference, StringComparison.Ordinal);
    }

    [Fact]
    public void Callback_query_becomes_the_plan_action_in_the_thread_of_the_card()
    {
        var inbound = TelegramMapper.Map(Parse("""
            {"update_id":12,"callback_query":{"id":"3","from":{"id":42,"first_name":"Ann","username":"ann","is_bot":false},
             "message":{"message_id":81,"from":{"id":666,"first_name":"Fin","is_bot":true},"chat":{"id":42,"type":"private"},"date":1763712000},
             "chat_instance":"-5120364917223186121","data":"p:approve:ab12cd34:0123456789ab"}}
            """), Bot)!;
        Assert.Equal("3", inbound.CallbackQueryId);
        Assert.Equal("/plan", inbound.Message.Action!.Name);
        Assert.Equal("approve ab12cd34 0123456789ab", inbound.Message.Action.Data["args"]);
        Assert.Equal("81", inbound.Message.ReplyToPlatformMessageId);
        Assert.Equal("42", inbound.Message.From.PlatformUserId);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1763712000), inbound.Message.Timestamp);
    }

    [Fact]
    public void A_button_on_an_inaccessible_message_acts_in_the_current_thread()
    {
        // Spec: an inaccessible message has date 0; message_id 0 is a message not sent yet. Neither names a message.
        var inbound = TelegramMapper.Map(Parse("""
            {"update_id":13,"callback_query":{"id":"4","from":{"id":42,"first_name":"Ann","is_bot":false},
             "message":{"message_id":0,"chat":{"id":42,"type":"private"},"date":0},"chat_instance":"1","data":"c:/threads"}}
            """), Bot)!;
        Assert.Null(inbound.Message.ReplyToPlatformMessageId);
        Assert.Equal(DateTimeOffset.UnixEpoch, inbound.Message.Timestamp);
        Assert.Equal("/threads", inbound.Message.Action!.Name);
    }

    [Fact]
    public void Callback_data_fits_in_64_bytes_and_round_trips()
    {
        var approve = new CardButton("Approve", "plan.approve", "/plan", "approve ab12cd34 0123456789ab");
        var data = TelegramCallbackData.For(approve.ToInvoke())!;
        Assert.True(Encoding.UTF8.GetByteCount(data) <= 64);
        Assert.Equal("approve ab12cd34 0123456789ab", TelegramCallbackData.Parse(data)!.Data["args"]);

        var schedule = new MessageButton("Pause", "/schedule", new Dictionary<string, string> { ["args"] = "pause " + Guid.NewGuid() });
        var scheduleData = TelegramCallbackData.For(new ActionInvoke(schedule.Action, schedule.Data!))!;
        Assert.True(Encoding.UTF8.GetByteCount(scheduleData) <= 64);
        Assert.Equal("/schedule", TelegramCallbackData.Parse(scheduleData)!.Name);

        Assert.Null(TelegramCallbackData.For(new ActionInvoke("/memory", new Dictionary<string, string> { ["args"] = new string('é', 40) })));
        Assert.Null(TelegramCallbackData.Parse("p:approve:only"));
        Assert.Null(TelegramCallbackData.Parse("garbage"));
    }
}
