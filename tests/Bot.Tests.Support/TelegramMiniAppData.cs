using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Bot.Tests.Support;

/// <summary>
/// A Telegram Mini App's initData as Telegram signs it ("Validating data received via the Mini App"), for tests that
/// open the Mini App. The server's validator is checked separately against a vector made with Node's crypto.
/// </summary>
public static class TelegramMiniAppData
{
    public static string Sign(long userId, DateTimeOffset authDate, string botToken, string firstName = "Ann")
    {
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["auth_date"] = authDate.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            ["query_id"] = "AAE" + userId.ToString(CultureInfo.InvariantCulture),
            ["user"] = JsonSerializer.Serialize(new { id = userId, first_name = firstName }),
        };
        var secret = HMACSHA256.HashData(Encoding.UTF8.GetBytes("WebAppData"), Encoding.UTF8.GetBytes(botToken));
        var check = string.Join('\n', fields.Select(f => f.Key + "=" + f.Value));
        var hash = Convert.ToHexStringLower(HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(check)));
        return string.Join('&', fields.Select(f => f.Key + "=" + Uri.EscapeDataString(f.Value))) + "&hash=" + hash;
    }
}
