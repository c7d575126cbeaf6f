using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bot.Tests.Support;

/// <summary>
/// A local stand-in for the Bot Framework's side, on 127.0.0.1: OpenID metadata and JWKS with a key generated here,
/// a client-credentials token endpoint, and a Bot Connector that records the activities the bot sends.
/// </summary>
public sealed class FakeBotFramework : IAsyncDisposable
{
    public const string AppId = "11111111-2222-3333-4444-555555555555";
    public const string KeyId = "test-key-1";

    private readonly WebApplication app;
    private int metadataFetches;
    private readonly ConcurrentDictionary<string, RSA> rotatedIn = new(StringComparer.Ordinal);

    public RSA SigningKey { get; } = RSA.Create(2048);
    public RSA OtherKey { get; } = RSA.Create(2048);
    public string BaseUrl { get; }
    public string ServiceUrl => BaseUrl + "/_connector/";
    public string MetadataUrl => BaseUrl + "/openid";
    public string TokenUrl => BaseUrl + "/token";
    /// <summary>What the bot sent to the connector, and the activity id the connector answered with (empty for none).</summary>
    public ConcurrentQueue<(string Method, string Path, JsonObject Body, string? Authorization, string ReturnedId)> Received { get; } = new();
    public int MetadataFetches => metadataFetches;

    private FakeBotFramework(WebApplication app, string baseUrl)
    {
        this.app = app;
        BaseUrl = baseUrl;
    }

    public static async Task<FakeBotFramework> StartAsync()
    {
        var port = Ports.GetFree();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeBotFramework(app, $"http://127.0.0.1:{port}");
        fake.Map();
        await app.StartAsync();
        return fake;
    }

    private void Map()
    {
        app.MapGet("/openid", () =>
        {
            Interlocked.Increment(ref metadataFetches);
            return Results.Json(new { issuer = "https://api.botframework.com", jwks_uri = BaseUrl + "/jwks" });
        });
        app.MapGet("/jwks", () =>
        {
            var published = rotatedIn.Select(k => (k.Key, k.Value)).Prepend((KeyId, SigningKey)).Select(k =>
            {
                var p = k.Item2.ExportParameters(false);
                return new { kty = "RSA", use = "sig", kid = k.Item1, n = B64(p.Modulus!), e = B64(p.Exponent!) };
            });
            return Results.Json(new { keys = published.ToArray() });
        });
        // A Microsoft Entra tenant's v2.0 OpenID metadata, as a Teams tab's SSO tokens are checked against: same keys.
        app.MapGet("/entra/{tenant}/v2.0/.well-known/openid-configuration", (string tenant) =>
            Results.Json(new { issuer = EntraIssuer(tenant), jwks_uri = BaseUrl + "/jwks" }));
        app.MapPost("/token", () => Results.Json(new { token_type = "Bearer", expires_in = 3600, access_token = "connector-token" }));
        app.MapPost("/_connector/v3/conversations/{conversation}/activities", async (HttpContext context, string conversation) =>
        {
            var body = (JsonObject)(await JsonNode.ParseAsync(context.Request.Body))!;
            var id = "act-" + Guid.NewGuid().ToString("N")[..8];
            Received.Enqueue(("POST", context.Request.Path, body, context.Request.Headers.Authorization.ToString(), id));
            return Results.Json(new { id });
        });
        app.MapPost("/_connector/v3/conversations", async (HttpContext context) =>
        {
            // Opens a 1:1 chat: the same member always gets the same conversation, as Teams does.
            var body = (JsonObject)(await JsonNode.ParseAsync(context.Request.Body))!;
            var member = body["members"]?[0]?["id"]?.GetValue<string>() ?? "nobody";
            var id = "a:opened-" + member.Replace(':', '-');
            Received.Enqueue(("POST", context.Request.Path, body, context.Request.Headers.Authorization.ToString(), id));
            return Results.Json(new { id }, statusCode: StatusCodes.Status201Created);
        });
        app.MapPut("/_connector/v3/conversations/{conversation}/activities/{activityId}", async (HttpContext context, string conversation, string activityId) =>
        {
            var body = (JsonObject)(await JsonNode.ParseAsync(context.Request.Body))!;
            Received.Enqueue(("PUT", context.Request.Path, body, context.Request.Headers.Authorization.ToString(), activityId));
            return Results.Json(new { id = activityId });
        });
    }

    /// <summary>Publishes one more signing key in the JWKS from now on, as the Bot Framework does when it rotates keys.</summary>
    public void RotateIn(string kid, RSA key) => rotatedIn[kid] = key;

    /// <summary>A Bot Framework style token; each argument can be spoiled to test a refusal.</summary>
    public string Token(string? audience = AppId, string issuer = "https://api.botframework.com", string? serviceUrl = null,
        DateTimeOffset? expires = null, string kid = KeyId, RSA? signWith = null)
    {
        var now = DateTimeOffset.UtcNow;
        var header = new { alg = "RS256", typ = "JWT", kid };
        var payload = new Dictionary<string, object?>
        {
            ["iss"] = issuer,
            ["aud"] = audience,
            ["serviceurl"] = serviceUrl ?? ServiceUrl,
            // Not before a minute ago, or an hour before an early expiry: a real token never expires before it starts.
            ["nbf"] = Min(now.AddMinutes(-1), (expires ?? now.AddHours(1)).AddHours(-1)).ToUnixTimeSeconds(),
            ["exp"] = (expires ?? now.AddHours(1)).ToUnixTimeSeconds(),
        };
        return Sign(header, payload, signWith ?? SigningKey);
    }

    /// <summary>The loopback metadata address of a stand-in Entra tenant (for <c>Teams:TabOpenIdMetadataUrl</c>).</summary>
    public string EntraMetadataUrl(string tenant) => $"{BaseUrl}/entra/{tenant}/v2.0/.well-known/openid-configuration";

    public static string EntraIssuer(string tenant) => $"https://login.microsoftonline.com/{tenant}/v2.0";

    /// <summary>A Teams SSO token as Entra issues it to a tab (v2.0: <c>oid</c>, <c>tid</c>, <c>scp</c>); each part can be spoiled.</summary>
    public string EntraToken(string tenant, string objectId, string audience, string? issuer = null, DateTimeOffset? expires = null, RSA? signWith = null)
    {
        var now = DateTimeOffset.UtcNow;
        var header = new { alg = "RS256", typ = "JWT", kid = KeyId };
        var payload = new Dictionary<string, object?>
        {
            ["iss"] = issuer ?? EntraIssuer(tenant),
            ["aud"] = audience,
            ["tid"] = tenant,
            ["oid"] = objectId,
            ["scp"] = "access_as_user",
            ["ver"] = "2.0",
            ["nbf"] = Min(now.AddMinutes(-1), (expires ?? now.AddHours(1)).AddHours(-1)).ToUnixTimeSeconds(),
            ["exp"] = (expires ?? now.AddHours(1)).ToUnixTimeSeconds(),
        };
        return Sign(header, payload, signWith ?? SigningKey);
    }

    private static string Sign(object header, Dictionary<string, object?> payload, RSA key)
    {
        var signed = B64(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + B64(JsonSerializer.SerializeToUtf8Bytes(payload));
        return signed + "." + B64(key.SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        SigningKey.Dispose();
        OtherKey.Dispose();
    }
}
