using System.Net;
using System.Text.Json.Nodes;
using Bot.Pipeline.Model;
using Bot.Pipeline;
using Bot.Channels.Telegram;
using Bot.Tests.Support;

namespace Bot.Tests.Unit.Telegram;

/// <summary>
/// The end-to-end normaliser's rules (<see cref="TelegramFakeDeviations"/>): each answer of telegram-test-api, as recorded
/// from it, comes out as the Bot API's answer, and the product reads that as it reads Telegram.
/// </summary>
public class TelegramFakeDeviationsTests
{
    private static readonly TelegramBotIdentity Bot = new(666, "TestNameBot");

    private static JsonObject Request(string json) => JsonNode.Parse(json)!.AsObject();

    [Fact]
    public async Task An_edit_answered_with_null_becomes_the_edited_message_which_the_sender_takes()
    {
        var edit = Request("""{"chat_id":42,"message_id":81,"text":"Approved","parse_mode":"Html","reply_markup":{"inline_keyboard":[]}}""");
        var (status, body) = TelegramFakeDeviations.NormaliseAnswer("editMessageText", edit, 200, """{"ok":true,"result":null}""");
        Assert.Equal(200, status);
        var result = JsonNode.Parse(body)!["result"]!;
        Assert.Equal(81, result["message_id"]!.GetValue<int>());
        Assert.Equal("Approved", result["text"]!.GetValue<string>());
        Assert.Null(result["reply_markup"]); // an empty keyboard leaves the message without one, as Telegram shows it

        var http = new StubHttpHandler((_, _) => StubHttpHandler.Json(body));
        var sender = new TelegramChannelSender(TelegramBotClientFactory.Create(new TelegramOptions { BotToken = "1:abc", ApiBaseUrl = "http://127.0.0.1:9" }, new HttpClient(http)), TelegramChannelSenderTests.NoStreams(), Microsoft.Extensions.Logging.Abstractions.NullLogger<TelegramChannelSender>.Instance);
        var sent = await sender.SendAsync(new OutboundDelivery(Guid.NewGuid(), Guid.NewGuid(), "42", """{"chat_id":42}""", new OutgoingMessage { Kind = OutgoingKind.Update, Text = "Approved" }, "81", 1), CancellationToken.None);
        Assert.Equal(new SendResult.Sent("81"), sent);
    }

    [Theory]
    [InlineData("answerCallbackQuery")]
    [InlineData("setWebhook")]
    public void A_null_result_where_the_spec_returns_true_becomes_true(string method)
    {
        var (status, body) = TelegramFakeDeviations.NormaliseAnswer(method, [], 200, """{"ok":true,"result":null}""");
        Assert.Equal(200, status);
        Assert.True(JsonNode.Parse(body)!["result"]!.GetValue<bool>());
    }

    [Fact]
    public void A_sent_message_dated_in_milliseconds_is_dated_in_seconds()
    {
        // Recorded from the fake's sendMessage: date in ms, and the request's fields echoed.
        var (_, body) = TelegramFakeDeviations.NormaliseAnswer("sendMessage", [], 200,
            """{"ok":true,"result":{"message_id":3,"date":1763712000123,"chat":{"id":1,"first_name":"Bot","type":"private"},"text":"x","chat_id":"1"}}""");
        Assert.Equal(1763712000, JsonNode.Parse(body)!["result"]!["date"]!.GetValue<long>());
    }

    [Fact]
    public void The_fakes_callback_query_reads_as_the_plan_action_once_normalised()
    {
        // The fake's shape: no chat_instance, no message_id, dates in milliseconds.
        var updates = JsonNode.Parse("""
            [{"update_id":12,"callback_query":{"id":"3","from":{"id":42,"first_name":"Ann","username":"ann","is_bot":false},
              "message":{"from":{"id":42,"first_name":"Ann","is_bot":false},"chat":{"id":42,"type":"private"},"date":1763712000123},
              "data":"p:approve:ab12cd34:0123456789ab"}}]
            """)!;
        TelegramFakeDeviations.NormaliseUpdatePayload(updates);
        Assert.Equal("42", updates[0]!["callback_query"]!["chat_instance"]!.GetValue<string>());
        var inbound = TelegramMapper.Map(TelegramMapperTests.Parse(updates[0]!.ToJsonString()), Bot)!;
        Assert.Equal("3", inbound.CallbackQueryId);
        Assert.Equal("/plan", inbound.Message.Action!.Name);
        Assert.Equal("approve ab12cd34 0123456789ab", inbound.Message.Action.Data["args"]);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1763712000), inbound.Message.Timestamp);
    }

    [Fact]
    public void Methods_the_fake_lacks_are_answered_only_when_the_call_conforms()
    {
        Assert.Null(TelegramFakeDeviations.SpecViolation("sendChatAction", Request("""{"chat_id":42,"action":"typing","message_thread_id":7}""")));
        Assert.Null(TelegramFakeDeviations.SpecViolation("setMyCommands", Request("""{"commands":[{"command":"help","description":"What I can do"}]}""")));
        Assert.Contains("action", TelegramFakeDeviations.SpecViolation("sendChatAction", Request("""{"chat_id":42}""")), StringComparison.Ordinal);
        Assert.Contains("colour", TelegramFakeDeviations.SpecViolation("setMyCommands", Request("""{"commands":[],"colour":"red"}""")), StringComparison.Ordinal);
    }

    [Fact]
    public void An_error_answered_with_http_200_gets_its_error_code_as_status()
    {
        var (status, _) = TelegramFakeDeviations.NormaliseAnswer("deleteMessage", [], 200,
            """{"ok":false,"error_code":400,"description":"Bad Request: chat 1 with message 2 wasn't found"}""");
        Assert.Equal((int)HttpStatusCode.BadRequest, status);
    }

    [Fact]
    public void Get_me_says_it_is_a_bot()
    {
        var (_, body) = TelegramFakeDeviations.NormaliseAnswer("getMe", [], 200, """{"ok":true,"result":{"username":"TestNameBot","first_name":"Test First name","id":666}}""");
        Assert.True(JsonNode.Parse(body)!["result"]!["is_bot"]!.GetValue<bool>());
    }
}
