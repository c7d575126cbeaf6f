using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Bot.Channels.Slack;

/// <summary>Why a request from Slack was refused (or <see cref="Valid"/>).</summary>
public enum SlackVerification { Valid, MissingHeaders, BadTimestamp, StaleOrFuture, BadSignature, NoSecret }

/// <summary>
/// Slack's v0 request signing: <c>v0=</c> + hex HMAC-SHA256 of <c>v0:{timestamp}:{raw body}</c> under the signing secret,
/// compared in constant time; a timestamp further than the allowed skew from now (either way) is refused.
/// </summary>
public sealed class SlackRequestVerifier(string signingSecret, TimeProvider clock, TimeSpan maxSkew)
{
    public const string SignatureHeader = "X-Slack-Signature";
    public const string TimestampHeader = "X-Slack-Request-Timestamp";

    public SlackVerification Verify(string? timestamp, string? signature, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(signingSecret))
        {
            // Socket Mode without a signing secret: nothing over HTTP can be trusted.
            return SlackVerification.NoSecret;
        }
        if (string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signature))
        {
            return SlackVerification.MissingHeaders;
        }
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return SlackVerification.BadTimestamp;
        }
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        if (Math.Abs(now - seconds) > (long)maxSkew.TotalSeconds)
        {
            return SlackVerification.StaleOrFuture;
        }
        var expected = Encoding.ASCII.GetBytes(Sign(signingSecret, timestamp, body));
        var given = Encoding.ASCII.GetBytes(signature);
        return CryptographicOperations.FixedTimeEquals(expected, given) ? SlackVerification.Valid : SlackVerification.BadSignature;
    }

    /// <summary>The signature Slack would send for this body at this timestamp.</summary>
    public static string Sign(string signingSecret, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"v0:{timestamp}:");
        var data = new byte[prefix.Length + body.Length];
        prefix.CopyTo(data, 0);
        body.CopyTo(data.AsSpan(prefix.Length));
        var hash = HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingSecret), data);
        return "v0=" + Convert.ToHexStringLower(hash);
    }
}
