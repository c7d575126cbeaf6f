using System.Globalization;
using System.Text;
using System.Text.Json;
using Bot.Channels.Slack;
using Bot.Tests.Support;

namespace Bot.Tests.Integration.Slack;

/// <summary>Our signer and verifier against Slack's own <c>@slack/bolt</c>, and our app manifest against Slack's schema.</summary>
public class SlackConformanceTests
{
    private const string Secret = "8f742231b10e8888abcd99yyyzzz85a5";
    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    private sealed record Case(string Name, string SigningSecret, string Body, string Timestamp, string Signature, long NowMilliseconds);

    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [Fact]
    public async Task Bolts_verifySlackRequest_agrees_with_our_verifier()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var body = """{"type":"event_callback","event_id":"Ev1","event":{"type":"message","text":"héllo & <you>"}}""";
        string Ts(int offset) => (now.ToUnixTimeSeconds() + offset).ToString(CultureInfo.InvariantCulture);
        string Sign(string ts, string b, string secret = Secret) => SlackRequestVerifier.Sign(secret, ts, Encoding.UTF8.GetBytes(b));
        var nowMs = now.ToUnixTimeMilliseconds();
        var cases = new List<Case>
        {
            new("valid", Secret, body, Ts(0), Sign(Ts(0), body), nowMs),
            new("valid-4-minutes-old", Secret, body, Ts(-240), Sign(Ts(-240), body), nowMs),
            new("tampered-body", Secret, body.Replace("Ev1", "Ev2", StringComparison.Ordinal), Ts(0), Sign(Ts(0), body), nowMs),
            new("tampered-signature", Secret, body, Ts(0), Sign(Ts(0), body)[..^2] + "00", nowMs),
            new("tampered-timestamp", Secret, body, Ts(-1), Sign(Ts(0), body), nowMs),
            new("wrong-secret", Secret, body, Ts(0), Sign(Ts(0), body, "another-secret"), nowMs),
            new("stale", Secret, body, Ts(-301), Sign(Ts(-301), body), nowMs),
            new("very-stale", Secret, body, Ts(-86_400), Sign(Ts(-86_400), body), nowMs),
            new("future", Secret, body, Ts(301), Sign(Ts(301), body), nowMs),
        };
        var slackExampleBody = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        cases.Add(new("slack-documented-example", Secret, slackExampleBody, "1531420618", "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503", 1531420618_000));

        var file = Path.Combine(Path.GetTempPath(), $"slack-cases-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(cases, WebJson));
        try
        {
            var result = await NodeScript.RunAsync("slack-verify.mjs", [file], TimeSpan.FromMinutes(2));
            Assert.True(result.ExitCode == 0, result.StandardError);
            var bolt = JsonDocument.Parse(result.StandardOutput).RootElement.EnumerateArray()
                .ToDictionary(r => r.GetProperty("name").GetString()!, r => r.GetProperty("valid").GetBoolean());
            foreach (var c in cases)
            {
                var ours = new SlackRequestVerifier(c.SigningSecret, new Clock(DateTimeOffset.FromUnixTimeMilliseconds(c.NowMilliseconds)), TimeSpan.FromMinutes(5))
                    .Verify(c.Timestamp, c.Signature, Encoding.UTF8.GetBytes(c.Body)) == SlackVerification.Valid;
                if (c.Name == "future")
                {
                    // Bolt only refuses stale timestamps; we also refuse ones more than five minutes ahead (replays signed with a skewed clock).
                    Assert.True(bolt[c.Name], "bolt accepted a future timestamp before; its rule changed");
                    Assert.False(ours, "future timestamp accepted");
                    continue;
                }
                Assert.True(bolt[c.Name] == ours, $"{c.Name}: bolt says {bolt[c.Name]}, ours says {ours}");
            }
            Assert.True(bolt["valid"] && bolt["slack-documented-example"] && !bolt["stale"] && !bolt["tampered-body"]);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task The_app_manifest_is_valid_against_slacks_schema()
    {
        var manifest = Path.Combine(RepoPaths.Root, "manifests", "slack", "manifest.yaml");
        var schemas = Path.Combine(RepoPaths.Conformance, "slack", "manifest");
        var result = await NodeScript.RunAsync("validate-slack-manifest.mjs", [schemas, manifest], TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);

        // And the check has teeth: a misspelt key fails.
        var broken = Path.Combine(Path.GetTempPath(), $"slack-manifest-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(broken, (await File.ReadAllTextAsync(manifest)).Replace("request_url: https://bot.example.com/slack/events", "request_uri: https://bot.example.com/slack/events", StringComparison.Ordinal));
        try
        {
            var refused = await NodeScript.RunAsync("validate-slack-manifest.mjs", [schemas, broken], TimeSpan.FromMinutes(2));
            Assert.Equal(1, refused.ExitCode);
        }
        finally
        {
            File.Delete(broken);
        }
    }
}
