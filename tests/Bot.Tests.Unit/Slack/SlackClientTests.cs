using System.Net;
using Bot.Pipeline.Model;
using Bot.Pipeline;
using Bot.Channels.Slack;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bot.Tests.Unit.Slack;

public class SlackClientTests
{
    private static SlackChannelSender Sender(StubHttpHandler handler) =>
        new(new SlackClient(new HttpClient(handler) { BaseAddress = new Uri("http://slack.test/api/") }), NullLogger<SlackChannelSender>.Instance);

    private static OutboundDelivery Delivery(OutgoingMessage message, string? replaces = null) =>
        new(Guid.NewGuid(), Guid.NewGuid(), "T1:D1", "{}", message, replaces, 0);

    [Fact]
    public async Task A_reply_goes_in_thread_and_is_named_channel_colon_ts()
    {
        var handler = new StubHttpHandler((_, _) => StubHttpHandler.Json("""{"ok":true,"channel":"D1","ts":"1700000002.000300"}"""));
        var result = await Sender(handler).SendAsync(Delivery(new OutgoingMessage { Text = "**hi**", ThreadKey = "1700000000.000100" }), CancellationToken.None);
        Assert.Equal(new SendResult.Sent("D1:1700000002.000300"), result);
        var (_, path, body, _) = Assert.Single(handler.Requests);
        Assert.Equal("/api/chat.postMessage", path);
        Assert.Contains("\"thread_ts\":\"1700000000.000100\"", body, StringComparison.Ordinal);
        Assert.Contains("\"text\":\"*hi*\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_update_calls_chat_update_on_the_stored_id()
    {
        var handler = new StubHttpHandler((_, _) => StubHttpHandler.Json("""{"ok":true,"channel":"D1","ts":"1700000002.000300"}"""));
        var message = new OutgoingMessage { Kind = OutgoingKind.Update, Text = "done", Card = SlackRenderingTests.Card(decided: true) };
        var result = await Sender(handler).SendAsync(Delivery(message, "D1:1700000002.000300"), CancellationToken.None);
        Assert.Equal(new SendResult.Sent("D1:1700000002.000300"), result);
        Assert.Equal("/api/chat.update", handler.Requests[0].Path);
        Assert.Contains("\"ts\":\"1700000002.000300\"", handler.Requests[0].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rate_limits_become_retry_later_with_slacks_wish()
    {
        var handler = new StubHttpHandler((_, _) =>
        {
            var response = StubHttpHandler.Json("""{"ok":false,"error":"ratelimited"}""", HttpStatusCode.TooManyRequests);
            response.Headers.RetryAfter = new(TimeSpan.FromSeconds(7));
            return response;
        });
        var result = await Sender(handler).SendAsync(Delivery(new OutgoingMessage { Text = "x" }), CancellationToken.None);
        Assert.Equal(new SendResult.RetryLater("ratelimited", TimeSpan.FromSeconds(7)), result);
    }

    [Theory]
    [InlineData("channel_not_found", "Unreachable")]
    [InlineData("is_archived", "Unreachable")]
    [InlineData("invalid_blocks", "Failed")]
    [InlineData("ratelimited", "RetryLater")]
    [InlineData("internal_error", "RetryLater")]
    public async Task Ok_false_errors_map_to_send_results(string error, string expected)
    {
        var handler = new StubHttpHandler((_, _) => StubHttpHandler.Json($$"""{"ok":false,"error":"{{error}}"}"""));
        var result = await Sender(handler).SendAsync(Delivery(new OutgoingMessage { Text = "x" }), CancellationToken.None);
        Assert.Equal(expected, result.GetType().Name);
    }
}
