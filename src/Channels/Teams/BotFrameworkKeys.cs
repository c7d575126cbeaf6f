using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bot.Channels.Teams;

/// <summary>
/// The Bot Framework's token signing keys, read from the OpenID metadata's <c>jwks_uri</c>. Cached for a day; an
/// unknown key id refreshes them, at most once every few minutes (so forged ids cannot make us hammer the endpoint).
/// </summary>
public sealed class BotFrameworkKeys(HttpClient http, IOptions<TeamsOptions> options, TimeProvider clock, ILogger<BotFrameworkKeys> logger) : IDisposable
{
    public static readonly TimeSpan MinRefreshInterval = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MaxAge = TimeSpan.FromHours(24);

    private readonly SemaphoreSlim refreshing = new(1, 1);
    private IReadOnlyDictionary<string, RSAParameters> keys = new Dictionary<string, RSAParameters>();
    private DateTimeOffset fetchedAt = DateTimeOffset.MinValue;

    public void Dispose() => refreshing.Dispose();

    public async Task<RSAParameters?> FindAsync(string keyId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (keys.TryGetValue(keyId, out var key) && now - fetchedAt < MaxAge)
        {
            return key;
        }
        if (now - fetchedAt >= MinRefreshInterval)
        {
            await refreshing.WaitAsync(cancellationToken);
            try
            {
                if (clock.GetUtcNow() - fetchedAt >= MinRefreshInterval)
                {
                    await RefreshAsync(cancellationToken);
                }
            }
            finally
            {
                refreshing.Release();
            }
        }
        return keys.TryGetValue(keyId, out key) ? key : null;
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        fetchedAt = clock.GetUtcNow();
        try
        {
            using var metadata = JsonDocument.Parse(await http.GetStringAsync(options.Value.OpenIdMetadataUrl, cancellationToken));
            var jwksUri = metadata.RootElement.GetProperty("jwks_uri").GetString()
                ?? throw new InvalidOperationException("The OpenID metadata has no jwks_uri.");
            using var jwks = JsonDocument.Parse(await http.GetStringAsync(jwksUri, cancellationToken));
            var found = new Dictionary<string, RSAParameters>(StringComparer.Ordinal);
            foreach (var jwk in jwks.RootElement.GetProperty("keys").EnumerateArray())
            {
                if (jwk.TryGetProperty("kty", out var kty) && kty.GetString() == "RSA"
                    && jwk.TryGetProperty("kid", out var kid) && kid.GetString() is { } id
                    && jwk.TryGetProperty("n", out var n) && jwk.TryGetProperty("e", out var e))
                {
                    found[id] = new RSAParameters { Modulus = Base64Url.Decode(n.GetString()!), Exponent = Base64Url.Decode(e.GetString()!) };
                }
            }
            keys = found;
            TeamsLog.KeysFetched(logger, found.Count);
        }
        catch (Exception exception) when (exception is HttpRequestException or JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            TeamsLog.KeysFailed(logger, exception);
        }
    }
}

internal static class Base64Url
{
    public static byte[] Decode(string value)
    {
        var s = value.Replace('-', '+').Replace('_', '/');
        s += (s.Length % 4) switch { 2 => "==", 3 => "=", _ => string.Empty };
        return Convert.FromBase64String(s);
    }
}
