using System.Text;
using Bot.Channels.Slack;

namespace Bot.Tests.Unit.Slack;

public class SlackRequestVerifierTests
{
    // Slack's documented example ("Verifying requests from Slack"), exact values.
    private const string Secret = "8f742231b10e8888abcd99yyyzzz85a5";
    private const string Timestamp = "1531420618";
    private const string Body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    private const string Expected = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    private static SlackRequestVerifier At(long unixSeconds) =>
        new(Secret, new FixedClock(DateTimeOffset.FromUnixTimeSeconds(unixSeconds)), TimeSpan.FromMinutes(5));

    [Fact]
    public void Slacks_documented_example_signs_and_verifies()
    {
        Assert.Equal(Expected, SlackRequestVerifier.Sign(Secret, Timestamp, Encoding.UTF8.GetBytes(Body)));
        Assert.Equal(SlackVerification.Valid, At(1531420618 + 10).Verify(Timestamp, Expected, Encoding.UTF8.GetBytes(Body)));
    }

    [Theory]
    [InlineData("tampered-body")]
    [InlineData("tampered-signature")]
    [InlineData("wrong-secret")]
    public void Tampered_requests_are_refused(string how)
    {
        var body = Encoding.UTF8.GetBytes(how == "tampered-body" ? Body.Replace("roadrunner", "coyote", StringComparison.Ordinal) : Body);
        var signature = how switch
        {
            "tampered-signature" => Expected[..^1] + "4",
            "wrong-secret" => SlackRequestVerifier.Sign(Secret + "x", Timestamp, Encoding.UTF8.GetBytes(Body)),
            _ => Expected,
        };
        Assert.Equal(SlackVerification.BadSignature, At(1531420618).Verify(Timestamp, signature, body));
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    [InlineData(-86400)]
    public void Stale_and_future_timestamps_are_refused(int offsetSeconds)
    {
        // The clock is offset, so the signature itself is valid for this timestamp.
        Assert.Equal(SlackVerification.StaleOrFuture, At(1531420618 - offsetSeconds).Verify(Timestamp, Expected, Encoding.UTF8.GetBytes(Body)));
    }

    [Theory]
    [InlineData(null, Expected, SlackVerification.MissingHeaders)]
    [InlineData(Timestamp, null, SlackVerification.MissingHeaders)]
    [InlineData("15314x0618", Expected, SlackVerification.BadTimestamp)]
    [InlineData(Timestamp, "v1=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503", SlackVerification.BadSignature)]
    [InlineData(Timestamp, "v0=", SlackVerification.BadSignature)]
    public void Malformed_headers_are_refused(string? timestamp, string? signature, SlackVerification expected)
    {
        Assert.Equal(expected, At(1531420618).Verify(timestamp, signature, Encoding.UTF8.GetBytes(Body)));
    }
}

internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
