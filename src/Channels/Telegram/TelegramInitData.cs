using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Bot.Channels.Telegram;

/// <summary>The Telegram account a Mini App's <c>initData</c> proves, or why it proves nothing.</summary>
public sealed record TelegramInitDataCheck(long? UserId, string? Name, string? Problem)
{
    public bool Valid => Problem is null;
}

/// <summary>
/// Validates a Telegram Mini App's <c>initData</c> exactly as Telegram specifies ("Validating data received via the Mini
/// App"): the data-check-string is every received field except <c>hash</c>, sorted by key, written <c>key=value</c> and
/// joined by line feeds; the secret key is HMAC-SHA256 of the bot token keyed with the constant <c>WebAppData</c>; the
/// data is Telegram's when <c>hash</c> is the hex HMAC-SHA256 of the data-check-string under that key. <c>auth_date</c>
/// must also be recent, so a captured initData stops working. Problems name what failed, never the data.
/// </summary>
public static class TelegramInitData
{
    /// <summary>initData is a few hundred bytes; anything far larger is not Telegram's.</summary>
    public const int MaxLength = 8 * 1024;

    private static readonly TimeSpan FutureSkew = TimeSpan.FromMinutes(1);

    public static TelegramInitDataCheck Validate(string? initData, string botToken, DateTimeOffset now, TimeSpan maxAge)
    {
        if (string.IsNullOrEmpty(initData))
        {
            return Refused("initData is empty (open the app from the bot's menu button)");
        }
        if (initData.Length > MaxLength)
        {
            return Refused($"initData is longer than {MaxLength} characters");
        }
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in initData.Split('&'))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                return Refused("initData is not a query string of key=value fields");
            }
            // A broken escape stays as it is (as in browsers) and then fails the hash.
            if (!fields.TryAdd(Decode(pair[..equals]), Decode(pair[(equals + 1)..])))
            {
                return Refused("initData names a field twice");
            }
        }
        if (!fields.Remove("hash", out var hash) || hash.Length != 64 || !hash.All(char.IsAsciiHexDigit))
        {
            return Refused("initData has no hash of 64 hex digits");
        }
        var dataCheckString = string.Join('\n', fields.Select(f => f.Key + "=" + f.Value));
        var secret = HMACSHA256.HashData(Encoding.UTF8.GetBytes("WebAppData"), Encoding.UTF8.GetBytes(botToken));
        var expected = HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(dataCheckString));
        if (!CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(hash)))
        {
            return Refused("initData's hash does not match (not signed for this bot)");
        }
        if (!fields.TryGetValue("auth_date", out var authText)
            || !long.TryParse(authText, NumberStyles.None, CultureInfo.InvariantCulture, out var authSeconds)
            || authSeconds > 253402300799)
        {
            return Refused("initData has no auth_date");
        }
        var authDate = DateTimeOffset.FromUnixTimeSeconds(authSeconds);
        if (authDate > now + FutureSkew || now - authDate > maxAge)
        {
            return Refused("initData is too old (auth_date); open the app again");
        }
        return ReadUser(fields.GetValueOrDefault("user"));
    }

    /// <summary>The signed <c>user</c> field: a JSON object whose <c>id</c> is the Telegram user id.</summary>
    private static TelegramInitDataCheck ReadUser(string? json)
    {
        if (json is null)
        {
            return Refused("initData carries no user (open the app from a private chat with the bot)");
        }
        try
        {
            using var document = JsonDocument.Parse(json);
            var user = document.RootElement;
            if (user.ValueKind != JsonValueKind.Object || !user.TryGetProperty("id", out var id) || !id.TryGetInt64(out var userId) || userId <= 0)
            {
                return Refused("initData's user has no numeric id");
            }
            var name = user.TryGetProperty("first_name", out var first) && first.ValueKind == JsonValueKind.String ? first.GetString() : null;
            return new TelegramInitDataCheck(userId, name, null);
        }
        catch (JsonException)
        {
            return Refused("initData's user is not JSON");
        }
    }

    /// <summary>Form decoding as browsers' URLSearchParams does it: '+' is a space, then percent-escapes.</summary>
    private static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));

    private static TelegramInitDataCheck Refused(string problem) => new(null, null, problem);
}
