using System.Security.Cryptography;
using System.Text;

namespace Bot.Agent.Identities;

/// <summary>
/// The one-time code of <c>/connect</c>: 10 symbols of Crockford's base 32 (50 random bits), shown as <c>ABCDE-FGHJK</c>.
/// Only its SHA-256 is stored. Reading it back forgives what people do when they type a code from another screen: lower
/// case, spaces or no dash, and the letters Crockford's alphabet leaves out for looking like digits (O for 0, I and L for 1).
/// </summary>
public static class ConnectCode
{
    /// <summary>Crockford's base 32: digits and letters without I, L, O, U.</summary>
    public const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public const int Length = 10;

    /// <summary>How long a code can be redeemed.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    /// <summary>A fresh code in its shown form (<c>ABCDE-FGHJK</c>).</summary>
    public static string Generate()
    {
        Span<char> symbols = stackalloc char[Length];
        for (var i = 0; i < Length; i++)
        {
            symbols[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }
        return Show(new string(symbols));
    }

    /// <summary>The code as typed, in its canonical form (10 symbols, no dash); false when it cannot be a code.</summary>
    public static bool TryNormalize(string typed, out string canonical)
    {
        var builder = new StringBuilder(Length);
        foreach (var raw in typed)
        {
            if (raw is '-' or ' ' or '`')
            {
                continue;
            }
            var c = char.ToUpperInvariant(raw) switch
            {
                'O' => '0',
                'I' or 'L' => '1',
                var other => other,
            };
            if (Alphabet.IndexOf(c, StringComparison.Ordinal) < 0 || builder.Length == Length)
            {
                canonical = string.Empty;
                return false;
            }
            builder.Append(c);
        }
        canonical = builder.ToString();
        return canonical.Length == Length;
    }

    /// <summary>What is stored of a code: the SHA-256 of its canonical form, in hex.</summary>
    public static string Hash(string canonical) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(canonical)));

    private static string Show(string canonical) => canonical[..(Length / 2)] + "-" + canonical[(Length / 2)..];
}
