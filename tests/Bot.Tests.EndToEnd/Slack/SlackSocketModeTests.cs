using System.Text.Json.Nodes;
using Bot.Tests.Support;

namespace Bot.Tests.EndToEnd.Slack;

/// <summary>Socket Mode against the fake: envelopes are recorded then acknowledged, and a disconnect request reconnects.</summary>
public class SlackSocketModeTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Socket_mode_acknowledges_answers_in_thread_and_reconnects()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var slack = FakeSlackApi.Start();
        await using var host = await BotHostProcess.StartAsync(db.ConnectionString, new Dictionary<string, string>
        {
            ["Pipeline:PollSeconds"] = "0.2",
            ["Slack:BotToken"] = slack.Token,
            ["Slack:AppToken"] = slack.AppToken,
            ["Slack:ApiBaseUrl"] = slack.ApiBaseUrl,
        });

        await Eventually.GetAsync(() => Task.FromResult(slack.SocketConnections), n => n == 1, "a Socket Mode connection", Wait);
        await slack.SendSocketAsync(Envelope("env-1", "EvSOCK1", "1800000600.000100", "hello"));
        await Eventually.GetAsync(() => Task.FromResult(slack.Acks), a => a.Contains("env-1"), "the envelope acknowledged", Wait);
        Assert.Equal(1, await db.CountAsync("SELECT count(*) FROM inbox WHERE event_id = 'event:EvSOCK1'"));
        await Eventually.GetAsync(
            () => Task.FromResult(slack.Calls("chat.postMessage").Count(c => (string?)c.Body["thread_ts"] == "1800000600.000100")), n => n >= 1, "an in-thread reply", Wait);

        // Slack asks for a reconnect; the bot opens a new connection and keeps serving.
        await slack.SendSocketAsync(new JsonObject { ["type"] = "disconnect", ["reason"] = "refresh_requested" });
        await Eventually.GetAsync(() => Task.FromResult(slack.SocketConnections), n => n == 2, "a second Socket Mode connection", Wait);
        await slack.SendSocketAsync(Envelope("env-2", "EvSOCK2", "1800000700.000100", "/balances"));
        // The same event delivered again (retry_attempt 1) is acknowledged and recorded once.
        await slack.SendSocketAsync(Envelope("env-3", "EvSOCK2", "1800000700.000100", "/balances", retry: 1));
        await Eventually.GetAsync(() => Task.FromResult(slack.Acks), a => a.Contains("env-2") && a.Contains("env-3"), "both envelopes acknowledged", Wait);
        Assert.Equal(1, await db.CountAsync("SELECT count(*) FROM inbox WHERE event_id = 'event:EvSOCK2'"));
        await Eventually.GetAsync(
            () => Task.FromResult(slack.Calls("chat.postMessage").Count(c => (string?)c.Body["thread_ts"] == "1800000700.000100")), n => n >= 1, "an in-thread reply after the reconnect", Wait);
    }

    private static JsonObject Envelope(string envelopeId, string eventId, string ts, string text, int retry = 0) => new()
    {
        ["envelope_id"] = envelopeId,
        ["type"] = "events_api",
        ["accepts_response_payload"] = false,
        ["retry_attempt"] = retry,
        ["retry_reason"] = retry == 0 ? "" : "timeout",
        ["payload"] = new JsonObject
        {
            ["team_id"] = "T0FAKE",
            ["type"] = "event_callback",
            ["event_id"] = eventId,
            ["event"] = new JsonObject
            {
                ["type"] = "message", ["channel"] = "D0DMANN001", ["user"] = "U0ANN", ["text"] = text, ["ts"] = ts,
                ["channel_type"] = "im", ["team"] = "T0FAKE",
            },
        },
    };
}
