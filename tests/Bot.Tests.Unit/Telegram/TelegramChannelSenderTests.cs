using System.Net;
using Bot.Pipeline.Model;
using Bot.Pipeline;
using Bot.Channels.Telegram;

namespace Bot.Tests.Unit.Telegram;

public class TelegramChannelSenderTests
{
    private const string Sent = """{"ok":true,"result":{"message_id":81,"chat":{"id":42,"type":"private"},"date":1763712000,"text":"x"}}""";

    private static (TelegramChannelSender Sender, StubHttpHandler Http) Create(Func<HttpRequestMessage, string, HttpResponseMessage> answer)
    {
        var http = new StubHttpHandler(answer);
        var options = new TelegramOptions { BotToken = "1:abc", ApiBaseUrl = "http://127.0.0.1:9" };
        return (new TelegramChannelSender(TelegramBotClientFactory.Create(options, new HttpClient(http)), TelegramChannelSenderTests.NoStreams(), Microsoft.Extensions.Logging.Abstractions.NullLogger<TelegramChannelSender>.Instance), http);
    }

    /// <summary>Stream state for messages that were not streamed: never read, so its database is never reached.</summary>
    internal static TelegramStreams NoStreams() => new(Npgsql.NpgsqlDataSource.Create("Host=127.0.0.1;Port=9;Database=none"), TimeProvider.System);

    private static OutboundDelivery Delivery(OutgoingMessage message, string? replaces = null) =>
        new(Guid.NewGuid(), Guid.NewGuid(), "42", """{"chat_id":42}""", message, replaces, 1);

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests, """{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}""", typeof(SendResult.RetryLater))]
    [InlineData(HttpStatusCode.Forbidden, """{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}""", typeof(SendResult.Unreachable))]
    [InlineData(HttpStatusCode.BadRequest, """{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}""", typeof(SendResult.Failed))]
    [InlineData(HttpStatusCode.BadGateway, "<html>bad gateway</html>", typeof(SendResult.RetryLater))]
    public async Task Bot_api_errors_map_onto_send_results(HttpStatusCode status, string body, Type expected)
    {
        var (sender, http) = Create((_, _) => StubHttpHandler.Json(body, status));
        var result = await sender.SendAsync(Delivery(new OutgoingMessage { Text = "hi" }), CancellationToken.None);
        Assert.IsType(expected, result);
        Assert.Single(http.Requests); // one call: a 429 is retried by the outbox, not slept through in the client
        if (result is SendResult.RetryLater { RetryAfter: { } after })
        {
            Assert.Equal(TimeSpan.FromSeconds(7), after);
        }
        Assert.DoesNotContain("1:abc", result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rejected_entities_are_sent_again_as_plain_text()
    {
        var (sender, http) = Create((_, body) => body.Contains("\"parse_mode\"", StringComparison.Ordinal)
            ? StubHttpHandler.Json("""{"ok":false,"error_code":400,"description":"Bad Request: can't parse entities: unexpected end tag"}""", HttpStatusCode.BadRequest)
            : StubHttpHandler.Json(Sent));
        var result = await sender.SendAsync(Delivery(new OutgoingMessage { Text = "**hi** <there>" }), CancellationToken.None);
        Assert.Equal(new SendResult.Sent("81"), result);
        Assert.Equal(2, http.Requests.Count);
        // The part's text without its markup.
        Assert.Contains("\"text\":\"hi \\u003Cthere\\u003E\"", http.Requests[1].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_part_with_rejected_entities_goes_again_alone_as_plain_text()
    {
        // Only the second part's markup is refused: it alone goes again as plain text; the first is not repeated.
        var text = string.Join("\n\n", Enumerable.Range(0, 150).Select(i => $"Paragraph {i} with some words in it")) + "\n\n**the end**";
        var parts = TelegramHtml.Render(text);
        Assert.Equal(2, parts.Count);
        var (sender, http) = Create((_, body) => body.Contains("the end", StringComparison.Ordinal) && body.Contains("\"parse_mode\"", StringComparison.Ordinal)
            ? StubHttpHandler.Json("""{"ok":false,"error_code":400,"description":"Bad Request: can't parse entities: unexpected end tag"}""", HttpStatusCode.BadRequest)
            : StubHttpHandler.Json(Sent));
        var recorded = new List<(int, string)>();
        var delivery = Delivery(new OutgoingMessage { Text = text }) with { RecordPartAsync = (i, id, _) => { recorded.Add((i, id)); return Task.CompletedTask; } };
        Assert.Equal(new SendResult.Sent("81"), await sender.SendAsync(delivery, CancellationToken.None));
        Assert.Equal(3, http.Requests.Count);
        Assert.Single(http.Requests, r => r.Body.Contains("Paragraph 0 ", StringComparison.Ordinal));
        Assert.Contains("\"text\":\"", http.Requests[2].Body, StringComparison.Ordinal);
        Assert.DoesNotContain("parse_mode", http.Requests[2].Body, StringComparison.Ordinal);
        Assert.Equal([(0, "81")], recorded);
    }

    [Fact]
    public async Task Parts_delivered_before_are_skipped_and_each_part_but_the_last_is_recorded()
    {
        var (sender, http) = Create((_, _) => StubHttpHandler.Json(Sent));
        var text = string.Join("\n\n", Enumerable.Range(0, 250).Select(i => $"Paragraph {i} with some words in it"));
        var parts = TelegramHtml.Render(text);
        Assert.Equal(3, parts.Count);
        var recorded = new List<int>();
        var delivery = Delivery(new OutgoingMessage { Text = text }) with
        {
            DeliveredParts = ["70"],
            RecordPartAsync = (i, _, _) => { recorded.Add(i); return Task.CompletedTask; },
        };
        await sender.SendAsync(delivery, CancellationToken.None);
        Assert.Equal(2, http.Requests.Count);
        Assert.DoesNotContain(http.Requests, r => r.Body.Contains("Paragraph 0 ", StringComparison.Ordinal));
        Assert.Equal([1], recorded);
    }

    [Fact]
    public async Task A_reply_needing_more_parts_than_allowed_is_shortened_to_fit_and_says_so()
    {
        var (sender, http) = Create((_, _) => StubHttpHandler.Json(Sent));
        // Escapes make the HTML longer than the Markdown: 12,000 characters of '<' need a dozen parts.
        var text = new string('<', 12_000);
        var delivery = Delivery(new OutgoingMessage { Text = text }) with { MaxParts = 3 };
        await sender.SendAsync(delivery, CancellationToken.None);
        Assert.Equal(3, http.Requests.Count);
        Assert.Contains("shortened", http.Requests[^1].Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, """{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}""", "400: Bad Request: chat not found")]
    [InlineData(HttpStatusCode.NotFound, "<html>not found</html>", "404: HTTP 404")]
    public async Task A_refused_send_fails_naming_the_code(HttpStatusCode status, string body, string reason)
    {
        var (sender, _) = Create((_, _) => StubHttpHandler.Json(body, status));
        var result = await sender.SendAsync(Delivery(new OutgoingMessage { Text = "hi" }), CancellationToken.None);
        Assert.Equal(new SendResult.Failed(reason), result);
    }

    [Fact]
    public async Task A_send_with_no_answer_is_retried_later()
    {
        var (sender, _) = Create((_, _) => throw new HttpRequestException("Connection refused (127.0.0.1:9)"));
        var result = await sender.SendAsync(Delivery(new OutgoingMessage { Text = "hi" }), CancellationToken.None);
        var retry = Assert.IsType<SendResult.RetryLater>(result);
        Assert.DoesNotContain("1:abc", retry.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_update_edits_the_message_in_place()
    {
        // What the Bot API answers for a message the bot sent: the edited message.
        var (sender, http) = Create((_, _) => StubHttpHandler.Json("""{"ok":true,"result":{"message_id":81,"chat":{"id":42,"type":"private"},"date":1763712000,"edit_date":1763712060,"text":"Approved"}}"""));
        var result = await sender.SendAsync(Delivery(new OutgoingMessage { Kind = OutgoingKind.Update, Text = "Approved" }, replaces: "81"), CancellationToken.None);
        Assert.Equal(new SendResult.Sent("81"), result);
        Assert.EndsWith("/editMessageText", Assert.Single(http.Requests).Path, StringComparison.Ordinal);
        Assert.Contains("\"message_id\":81", http.Requests[0].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_long_reply_goes_in_parts_with_the_buttons_under_the_last()
    {
        var (sender, http) = Create((_, _) => StubHttpHandler.Json(Sent));
        var text = string.Join("\n\n", Enumerable.Range(0, 400).Select(i => $"Paragraph {i} with some words in it"));
        var buttons = new[] { new MessageButton("Yes", "/memory", new Dictionary<string, string> { ["args"] = "clear confirm" }) };
        await sender.SendAsync(Delivery(new OutgoingMessage { Text = text, Buttons = buttons }), CancellationToken.None);
        Assert.True(http.Requests.Count > 1);
        Assert.All(http.Requests.SkipLast(1), r => Assert.DoesNotContain("inline_keyboard", r.Body, StringComparison.Ordinal));
        Assert.Contains("c:/memory clear confirm", http.Requests[^1].Body, StringComparison.Ordinal);
    }

    [Fact]
    public void Webhook_mode_without_its_settings_fails_at_start_naming_them()
    {
        var result = new TelegramOptionsValidator().Validate(null, new TelegramOptions { BotToken = "1:abc", Mode = "webhook" });
        Assert.True(result.Failed);
        Assert.Contains("Telegram:WebhookSecret", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Telegram:WebhookUrl", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Telegram:Mode", new TelegramOptionsValidator().Validate(null, new TelegramOptions { BotToken = "1:abc", Mode = "push" }).FailureMessage, StringComparison.Ordinal);
        Assert.True(new TelegramOptionsValidator().Validate(null, new TelegramOptions()).Succeeded);
    }
}
