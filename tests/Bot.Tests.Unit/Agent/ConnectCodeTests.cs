using Bot.Agent.Identities;

namespace Bot.Tests.Unit.Agent;

public class ConnectCodeTests
{
    [Fact]
    public void A_code_is_ten_symbols_of_Crockford_base32_shown_in_two_halves()
    {
        for (var i = 0; i < 200; i++)
        {
            var code = ConnectCode.Generate();
            Assert.Matches("^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$", code);
            Assert.True(ConnectCode.TryNormalize(code, out var canonical));
            Assert.Equal(code.Replace("-", string.Empty, StringComparison.Ordinal), canonical);
        }
    }

    [Fact]
    public void Codes_carry_fifty_random_bits_spread_over_every_symbol()
    {
        // 50 bits: 10 symbols of a 32-symbol alphabet. Spread: 20,000 codes hit every symbol in every position, and no
        // code repeats (at 50 bits a repeat among 20,000 has a chance near 2e-7).
        Assert.Equal(32, ConnectCode.Alphabet.Distinct().Count());
        Assert.Equal(50, ConnectCode.Length * Math.Log2(ConnectCode.Alphabet.Length));
        var codes = Enumerable.Range(0, 20_000).Select(_ => ConnectCode.Generate().Replace("-", string.Empty, StringComparison.Ordinal)).ToList();
        Assert.Equal(codes.Count, codes.Distinct(StringComparer.Ordinal).Count());
        for (var position = 0; position < ConnectCode.Length; position++)
        {
            var seen = codes.Select(c => c[position]).Distinct().Count();
            Assert.Equal(32, seen);
        }
    }

    [Theory]
    [InlineData("abcde-fghjk", "ABCDEFGHJK")]
    [InlineData(" ABCDE FGHJK ", "ABCDEFGHJK")]
    [InlineData("`ABCDE-FGHJK`", "ABCDEFGHJK")]
    [InlineData("O0IL1-ABCDE", "00111ABCDE")]
    public void Typing_slips_are_forgiven(string typed, string canonical)
    {
        Assert.True(ConnectCode.TryNormalize(typed, out var normalized));
        Assert.Equal(canonical, normalized);
        Assert.Equal(ConnectCode.Hash(canonical), ConnectCode.Hash(normalized));
    }

    [Theory]
    [InlineData("")]
    [InlineData("ABCDE-FGHJ")]
    [InlineData("ABCDE-FGHJKM")]
    [InlineData("ABCDE-FGHJU")]
    [InlineData("ABCDE_FGHJK")]
    [InlineData("ABCDE-FGHJK please")]
    public void What_cannot_be_a_code_is_refused(string typed) => Assert.False(ConnectCode.TryNormalize(typed, out _));

    [Fact]
    public void Only_a_SHA256_of_the_code_is_stored()
    {
        var hash = ConnectCode.Hash("ABCDEFGHJK");
        Assert.Equal(64, hash.Length);
        Assert.DoesNotContain("ABCDEFGHJK", hash, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("ABCDEFGHJK"u8)), hash);
        Assert.NotEqual(hash, ConnectCode.Hash("ABCDEFGHJM"));
    }

    [Fact]
    public void A_code_lives_ten_minutes() => Assert.Equal(TimeSpan.FromMinutes(10), ConnectCode.Lifetime);
}
