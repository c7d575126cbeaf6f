using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Bot.Storage.Entities;

namespace Bot.Finance.Trading;

/// <summary>
/// The snapshot hash a button carries: SHA-256 over the plan id and its orders, exactly as proposed. A plan whose
/// orders differ from what the button was made for cannot be approved with it. Twelve hex characters keep
/// Telegram's 64-byte <c>callback_data</c> within reach; forging one means guessing 48 bits per attempt.
/// </summary>
public static class PlanHash
{
    public const int Length = 12;

    public static string Compute(Guid planId, IEnumerable<TradePlanOrder> orders)
    {
        var canonical = new StringBuilder(planId.ToString("N"));
        foreach (var order in orders.OrderBy(o => o.Position))
        {
            canonical.Append(CultureInfo.InvariantCulture,
                $"|{order.Position}:{order.Side}:{order.Symbol}:{order.Quantity.ToString("0.######", CultureInfo.InvariantCulture)}:{order.OrderType}:{order.LimitPrice?.ToString("0.######", CultureInfo.InvariantCulture) ?? "-"}:{order.TimeInForce}");
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))[..Length];
    }

    public static bool Matches(string? candidate, string expected) =>
        candidate is { Length: Length } && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(candidate.ToLowerInvariant()), Encoding.ASCII.GetBytes(expected));

    /// <summary>A short, unambiguous plan id (Crockford base32, 8 characters).</summary>
    public static string NewShortId()
    {
        const string alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        var chars = new char[8];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = alphabet[bytes[i] & 31];
        }
        return new string(chars);
    }
}
