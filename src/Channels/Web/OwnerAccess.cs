using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Bot.Channels.Web;

/// <summary>
/// Who may act as the web chat's owner. Without <see cref="WebOptions.AccessKey"/> that is anyone on this machine
/// (the host refuses a non-loopback bind in that case); with it, a request must carry the key as a bearer token or
/// in the <see cref="CookieName"/> cookie that <c>/?key=...</c> sets.
/// </summary>
public sealed class OwnerAccess(IOptions<WebOptions> options)
{
    public const string CookieName = "bot_access";

    /// <summary>The query parameter of <c>/?key=KEY</c>, which the page turns into the cookie.</summary>
    public const string KeyParameter = "key";

    public bool IsOwner(HttpContext context)
    {
        var key = options.Value.AccessKey;
        if (string.IsNullOrEmpty(key))
        {
            // Loopback caller AND loopback host name: a page on another site whose name resolves to 127.0.0.1
            // (DNS rebinding) reaches us from loopback, but with its own name in the Host header.
            var remote = context.Connection.RemoteIpAddress;
            return (remote is null || IPAddress.IsLoopback(remote)) && IsLoopbackHost(context.Request.Host.Host);
        }
        return Matches(BearerToken(context.Request), key) || Matches(context.Request.Cookies[CookieName], key);
    }

    /// <summary>True for <c>localhost</c> and loopback addresses (with or without IPv6 brackets).</summary>
    public static bool IsLoopbackHost(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    public bool IsAccessKey(string? candidate) =>
        options.Value.AccessKey is { Length: > 0 } key && Matches(candidate, key);

    /// <summary>The key of <c>/?key=KEY</c> on the page when it is the right one; null otherwise.</summary>
    public string? KeyInPageAddress(HttpRequest request) =>
        request.Path == "/" && request.Query.TryGetValue(KeyParameter, out var key) && IsAccessKey(key) ? key.ToString() : null;

    internal static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }

    private static bool Matches(string? candidate, string key) =>
        candidate is not null
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(candidate)), SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
