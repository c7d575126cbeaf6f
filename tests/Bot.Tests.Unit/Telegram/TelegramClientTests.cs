using Bot.Channels.Telegram;

namespace Bot.Tests.Unit.Telegram;

public class TelegramClientTests
{
    [Fact]
    public void A_real_send_message_answer_parses_with_a_date_in_seconds()
    {
        var message = TelegramClient.Parse<TgMessage>("sendMessage", 200, """
            {"ok":true,"result":{"message_id":77,"from":{"id":666,"is_bot":true,"first_name":"Fin","username":"FinBot"},
             "chat":{"id":42,"first_name":"Ann","type":"private"},"date":1763712000,"text":"hi"}}
            """)!;
        Assert.Equal(77, message.MessageId);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1763712000), TelegramJson.FromUnix(message.Date));
    }

    [Fact]
    public void Ok_false_with_retry_after_is_a_typed_error()
    {
        var error = Assert.Throws<TelegramApiException>(() => TelegramClient.Parse<TgMessage>("sendMessage", 429,
            """{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 35","parameters":{"retry_after":35}}"""));
        Assert.Equal(429, error.ErrorCode);
        Assert.Equal(TimeSpan.FromSeconds(35), error.RetryAfter);
        Assert.True(Assert.Throws<TelegramApiException>(() => TelegramClient.Parse<TgMessage>("sendMessage", 400,
            """{"ok":false,"error_code":400,"description":"Bad Request: can't parse entities: Unsupported start tag \"x\""}""")).CannotParseEntities);
    }

    [Fact]
    public void The_test_servers_quirks_are_tolerated()
    {
        // Edits answer result:null; dates come in milliseconds; unsupported methods answer HTTP 500 with no Bot API body.
        Assert.Null(TelegramClient.Parse<System.Text.Json.JsonElement?>("editMessageText", 200, """{"ok":true,"result":null}"""));
        var message = TelegramClient.Parse<TgMessage>("sendMessage", 200, """{"ok":true,"result":{"message_id":3,"date":1763712000123,"chat":{"id":1,"first_name":"Bot","type":"private"},"text":"x","chat_id":"1"}}""")!;
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1763712000123), TelegramJson.FromUnix(message.Date));
        Assert.Throws<TelegramTransportException>(() => TelegramClient.Parse<TgMessage>("sendChatAction", 500, """{"message":"Route not found"}"""));
    }

    [Fact]
    public void The_webhook_secret_comparison_accepts_only_the_exact_secret()
    {
        Assert.True(TelegramWebhookEndpoints.SecretMatches("s3cret-abc", "s3cret-abc"));
        Assert.False(TelegramWebhookEndpoints.SecretMatches("s3cret-abd", "s3cret-abc"));
        Assert.False(TelegramWebhookEndpoints.SecretMatches("", "s3cret-abc"));
    }

    [Fact]
    public void The_command_menu_is_embedded_and_valid_for_set_my_commands()
    {
        var commands = TelegramStartupService.Commands();
        Assert.Contains(commands, c => c.Command == "buy");
        Assert.All(commands, c => Assert.Matches("^[a-z0-9_]{1,32}$", c.Command));
    }
}
