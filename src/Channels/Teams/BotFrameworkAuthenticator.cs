using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Bot.Channels.Teams;

/// <summary>
/// Verifies the Bot Framework JWT on an inbound activity: RS256 signature with a published key, issuer, audience (our
/// App ID), lifetime with five minutes of clock skew, and the <c>serviceurl</c> claim equal to the activity's.
/// Returns the reason for a refusal, or null when the token is good.
/// </summary>
public sealed class BotFrameworkAuthenticator(BotFrameworkKeys keys, IOptions<TeamsOptions> options, TimeProvider clock)
{
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    public async Task<string?> ValidateAsync(string? authorization, string? activityServiceUrl, CancellationToken cancellationToken)
    {
        if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return "no bearer token";
        }
        var parts = authorization[7..].Trim().Split('.');
        if (parts.Length != 3)
        {
            return "malformed token";
        }
        JsonElement header, payload;
        byte[] signature;
        try
        {
            header = JsonDocument.Parse(Base64Url.Decode(parts[0])).RootElement;
            payload = JsonDocument.Parse(Base64Url.Decode(parts[1])).RootElement;
            signature = Base64Url.Decode(parts[2]);
        }
        catch (Exception exception) when (exception is FormatException or JsonException)
        {
            return "malformed token";
        }
        if (String(header, "alg") != "RS256")
        {
            return "unsupported algorithm";
        }
        if (String(header, "kid") is not { } kid || await keys.FindAsync(kid, cancellationToken) is not { } parameters)
        {
            return "unknown signing key";
        }
        using (var rsa = RSA.Create(parameters))
        {
            var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
            if (!rsa.VerifyData(signed, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            {
                return "bad signature";
            }
        }
        if (String(payload, "iss") != TeamsOptions.BotFrameworkIssuer)
        {
            return "wrong issuer";
        }
        if (!HasAudience(payload, options.Value.AppId!))
        {
            return "wrong audience";
        }
        var now = clock.GetUtcNow();
        if (Time(payload, "exp") is not { } expires || now > expires + ClockSkew)
        {
            return "expired";
        }
        if (Time(payload, "nbf") is { } notBefore && now < notBefore - ClockSkew)
        {
            return "not yet valid";
        }
        var claimed = String(payload, "serviceurl") ?? String(payload, "serviceUrl");
        if (claimed is null || activityServiceUrl is null || !SameServiceUrl(claimed, activityServiceUrl))
        {
            return "serviceUrl does not match the token";
        }
        return null;
    }

    private static bool SameServiceUrl(string a, string b) =>
        string.Equals(a.TrimEnd('/'), b.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);

    private static bool HasAudience(JsonElement payload, string appId) =>
        payload.TryGetProperty("aud", out var aud) && (aud.ValueKind switch
        {
            JsonValueKind.String => aud.GetString() == appId,
            JsonValueKind.Array => aud.EnumerateArray().Any(a => a.ValueKind == JsonValueKind.String && a.GetString() == appId),
            _ => false,
        });

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static DateTimeOffset? Time(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
}
