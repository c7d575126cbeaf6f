using System.Net;
using Bot.Channels.Telegram;
using Telegram.Bot;
using Telegram.Bot.Exceptions;
using Telegram.Bot.Types.Enums;

namespace Bot.Tests.Unit.Telegram;

/// <summary>The channel's Telegram.Bot client (as the host makes it) reading recorded Bot API answers.</summary>
public class TelegramClientTests
{
    private static (TelegramBotClient Client, StubHttpHandler Http) Create(string body, HttpStatusCode status = HttpStatusCode.OK)
    {
        var http = new StubHttpHandler((_, _) => StubHttpHandler.Json(body, status));
        return (TelegramBotClientFactory.Create(new TelegramOptions { BotToken = "1:abc", ApiBaseUrl = "http://127.0.0.1:9" }, new HttpClient(http)), http);
    }

    private static Task<global::Telegram.Bot.Types.Message> SendAsync(TelegramBotClient client) =>
        client.SendRequest(TelegramRequests.SendMessage(42, "hi", ParseMode.Html, null, null), CancellationToken.None);

    [Fact]
    public async Task A_real_send_message_answer_parses_with_a_date_in_seconds()
    {
        var (client, http) = Create("""
            {"ok":true,"result":{"message_id":77,"from":{"id":666,"is_bot":true,"first_name":"Fin","username":"FinBot"},
             "chat":{"id":42,"first_name":"Ann","type":"private"},"date":1763712000,"text":"hi"}}
            """);
        var message = await SendAsync(client);
        Assert.Equal(77, message.Id);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1763712000).UtcDateTime, message.Date);
        Assert.Equal("/bot1:abc/sendMessage", Assert.Single(http.Requests).Path);
    }

    [Fact]
    public async Task Ok_false_with_retry_after_is_a_typed_error()
    {
        var (client, _) = Create("""{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 35","parameters":{"retry_after":35}}""", HttpStatusCode.TooManyRequests);
        var error = await Assert.ThrowsAsync<ApiRequestException>(() => SendAsync(client));
        Assert.Equal(429, error.ErrorCode);
        Assert.Equal(TimeSpan.FromSeconds(35), error.RetryAfter());
        var (parse, _) = Create("""{"ok":false,"error_code":400,"description":"Bad Request: can't parse entities: Unsupported start tag \"x\""}""", HttpStatusCode.BadRequest);
        Assert.True((await Assert.ThrowsAsync<ApiRequestException>(() => SendAsync(parse))).CannotParseEntities());
    }

    [Fact]
    public async Task An_answer_that_is_not_the_bot_api_is_a_transport_error()
    {
        // A 500 page without a Bot API body (a proxy, or a server that lacks the method): no error code to act on.
        var (client, _) = Create("""{"message":"Route not found"}""", HttpStatusCode.InternalServerError);
        var error = await Assert.ThrowsAsync<RequestException>(() => SendAsync(client));
        Assert.IsNotType<ApiRequestException>(error);
        Assert.Null(error.ErrorCode());
        // A success without the spec's result (the test server's result:null) is no success either.
        var (empty, _) = Create("""{"ok":true,"result":null}""");
        Assert.Null((await Assert.ThrowsAsync<RequestException>(() => SendAsync(empty))).ErrorCode());
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
        Assert.All(commands, c => Assert.False(string.IsNullOrWhiteSpace(c.Description)));
    }

    [Fact]
    public void The_settings_telegram_bot_cannot_use_fail_at_start_naming_them_and_not_the_token()
    {
        var validator = new TelegramOptionsValidator();
        var badToken = validator.Validate(null, new TelegramOptions { BotToken = "not-a-token" });
        Assert.Contains("Telegram:BotToken", badToken.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-token", badToken.FailureMessage, StringComparison.Ordinal);
        var withPath = validator.Validate(null, new TelegramOptions { BotToken = "1:abc", ApiBaseUrl = "http://127.0.0.1:9/telegram" });
        Assert.Contains("Telegram:ApiBaseUrl", withPath.FailureMessage, StringComparison.Ordinal);
        Assert.True(validator.Validate(null, new TelegramOptions { BotToken = "1:abc", ApiBaseUrl = "http://127.0.0.1:9/" }).Succeeded);
    }
}
