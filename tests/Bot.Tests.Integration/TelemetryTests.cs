using System.Diagnostics;
using System.Net;
using Bot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace Bot.Tests.Integration;

/// <summary>
/// OpenTelemetry through the real host: a web chat message's trace runs from the inbound request through the turn to
/// the outbox send (the W3C context kept with the inbox and outbox rows); no span carries the message's text or the
/// Direct Line token; the Prometheus scrape endpoint serves the bot's metrics to the owner and refuses anyone else.
/// </summary>
public class TelemetryTests(TelemetryTests.TracedHost host) : IClassFixture<TelemetryTests.TracedHost>
{
    public sealed class TracedHost : StrangerAwareFactory
    {
        public List<Activity> Exported { get; } = [];

        protected override IDictionary<string, string> Settings => new Dictionary<string, string> { ["Telemetry:Prometheus"] = "true" };

        protected override void ConfigureTestServices(IServiceCollection services)
        {
            base.ConfigureTestServices(services);
            // As with an OTLP endpoint: every span recorded (without an exporter the host samples everything out).
            services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.SetSampler(new AlwaysOnSampler()).AddInMemoryExporter(Exported));
        }

        public List<Activity> Spans()
        {
            lock (Exported)
            {
                return [.. Exported];
            }
        }
    }

    [Fact]
    public async Task A_message_is_one_trace_from_its_request_through_the_turn_to_its_send_without_its_text()
    {
        const string Text = "my secret plan text 7f3a";
        var client = await DirectLineTestClient.StartAsync(host.CreateClient());
        await client.SendAsync(Text);
        await client.WaitForBotRepliesAsync(1);

        var send = await Eventually.GetAsync(() => Task.FromResult(host.Spans().FirstOrDefault(a => a.OperationName == "bot.outbox.send" && (string?)a.GetTagItem("bot.channel") == "web")),
            a => a is not null, "the send's span");
        var spans = host.Spans();
        var turn = Assert.Single(spans, a => a.OperationName == "bot.turn" && a.TraceId == send!.TraceId);
        Assert.Equal("done", turn.GetTagItem("bot.outcome"));
        // The message's own request (POST .../activities) began the trace. In process, the test client's other requests can
        // join the same trace (TestServer flows the caller's context), so the request is found by what it is.
        var request = Assert.Single(spans, a => a.Source.Name == "Microsoft.AspNetCore" && a.TraceId == send!.TraceId && a.SpanId == turn.ParentSpanId);
        Assert.Equal("POST", request.GetTagItem("http.request.method"));
        Assert.EndsWith("/activities", (string?)request.GetTagItem("url.path"), StringComparison.Ordinal);
        // The turn's work (its SQL through Npgsql) is in the same trace, under the turn.
        Assert.Contains(spans, a => a.Source.Name == "Npgsql" && a.TraceId == send!.TraceId && a.ParentSpanId == turn.SpanId);

        foreach (var span in spans)
        {
            foreach (var (key, value) in span.TagObjects)
            {
                var text = value?.ToString() ?? string.Empty;
                Assert.DoesNotContain("7f3a", text, StringComparison.Ordinal);
                Assert.DoesNotContain(client.Token, text, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task The_metrics_are_scraped_by_the_owner_and_refused_to_anyone_else()
    {
        var client = await DirectLineTestClient.StartAsync(host.CreateClient());
        await client.SendAsync("/help");
        await client.WaitForBotRepliesAsync(1);

        var body = await Eventually.GetAsync(async () =>
        {
            using var owner = host.CreateClient().From("127.0.0.1");
            return await owner.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        }, b => b.Contains("bot_outbox_sends_total{", StringComparison.Ordinal), "the send in the metrics");
        Assert.Contains("bot_inbound_messages_total{", body, StringComparison.Ordinal);
        Assert.Contains("channel=\"web\"", body, StringComparison.Ordinal);
        Assert.Contains("bot_turn_duration_seconds_bucket{", body, StringComparison.Ordinal);
        Assert.Contains("bot_inbox_pending", body, StringComparison.Ordinal);

        using var stranger = host.CreateClient().From("192.0.2.7");
        using var refused = await stranger.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Theory]
    [InlineData("https://api.telegram.org/bot123456:test-token_x/sendMessage?chat_id=5", "https://api.telegram.org/bot{token}/sendMessage")]
    [InlineData("https://api.telegram.org/file/bot123456:test-token_x/voice/file_1.oga", "https://api.telegram.org/file/bot{token}/voice/file_1.oga")]
    [InlineData("https://slack.com/api/chat.postMessage", "https://slack.com/api/chat.postMessage")]
    public void Outgoing_request_spans_name_no_bot_token_and_no_query(string url, string recorded) =>
        Assert.Equal(recorded, Bot.BotHost.Hosting.TelemetryExtensions.RedactUrl(new Uri(url)));
}
