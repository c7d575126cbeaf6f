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
    public async Task A_long_reply_records_each_piece_but_the_last_and_a_retry_skips_those_delivered()
    {
        var text = string.Join("\n\n", Enumerable.Range(0, 300).Select(i => $"Paragraph {i} with some words in it"));
        Assert.Equal(3, SlackMrkdwn.Split(SlackMrkdwn.FromMarkdown(text)).Count);
        var ts = 0;
        var handler = new StubHttpHandler((_, _) => StubHttpHandler.Json($$"""{"ok":true,"channel":"D1","ts":"1700000002.00000{{++ts}}"}"""));
        var recorded = new List<(int, string)>();
        var delivery = Delivery(new OutgoingMessage { Text = text }) with { RecordPartAsync = (i, id, _) => { recorded.Add((i, id)); return Task.CompletedTask; } };

        Assert.Equal(new SendResult.Sent("D1:1700000002.000001"), await Sender(handler).SendAsync(delivery, CancellationToken.None));
        Assert.Equal(3, handler.Requests.Count);
        Assert.Equal([(0, "D1:1700000002.000001"), (1, "D1:1700000002.000002")], recorded);

        // Another attempt that knows the first two pieces went out posts the third alone, and names the reply by the first.
        var again = new StubHttpHandler((_, _) => StubHttpHandler.Json("""{"ok":true,"channel":"D1","ts":"1700000009.000009"}"""));
        var resumed = delivery with { DeliveredParts = ["D1:1700000002.000001", "D1:1700000002.000002"] };
        Assert.Equal(new SendResult.Sent("D1:1700000002.000001"), await Sender(again).SendAsync(resumed, CancellationToken.None));
        var (_, _, body, _) = Assert.Single(again.Requests);
        Assert.Contains("Paragraph 299", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Paragraph 0 ", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_piece_stops_the_reply_after_the_pieces_before_it_were_recorded()
    {
        var text = string.Join("\n\n", Enumerable.Range(0, 300).Select(i => $"Paragraph {i} with some words in it"));
        var calls = 0;
        var handler = new StubHttpHandler((_, _) => ++calls == 2
            ? StubHttpHandler.Json("""{"ok":false,"error":"internal_error"}""")
            : StubHttpHandler.Json("""{"ok":true,"channel":"D1","ts":"1700000002.000001"}"""));
        var recorded = new List<int>();
        var delivery = Delivery(new OutgoingMessage { Text = text }) with { RecordPartAsync = (i, _, _) => { recorded.Add(i); return Task.CompletedTask; } };
        Assert.IsType<SendResult.RetryLater>(await Sender(handler).SendAsync(delivery, CancellationToken.None));
        Assert.Equal(2, handler.Requests.Count);
        Assert.Equal([0], recorded);
    }

    [Fact]
    public async Task A_reply_is_split_into_no_more_pieces_than_allowed()
    {
        var handler = new StubHttpHandler((_, _) => StubHttpHandler.Json("""{"ok":true,"channel":"D1","ts":"1700000002.000001"}"""));
        var text = string.Join("\n\n", Enumerable.Range(0, 1_000).Select(i => $"Paragraph {i} with some words in it"));
        await Sender(handler).SendAsync(Delivery(new OutgoingMessage { Text = text }) with { MaxParts = 2 }, CancellationToken.None);
        Assert.Equal(2, handler.Requests.Count);
        Assert.Contains("shortened", handler.Requests[1].Body, StringComparison.Ordinal);
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
