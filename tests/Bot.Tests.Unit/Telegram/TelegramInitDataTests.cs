using Bot.Channels.Telegram;

namespace Bot.Tests.Unit.Telegram;

/// <summary>
/// Mini App initData validation against a vector made independently of this code: Node's crypto with URLSearchParams,
/// following Telegram's "Validating data received via the Mini App" (secret = HMAC-SHA256 of the token keyed with
/// "WebAppData"; hash = hex HMAC-SHA256 of the sorted key=value lines):
/// <code>
/// p = new URLSearchParams(); p.set("query_id", "AAE-test-query"); p.set("user", JSON.stringify({id:4242, first_name:"Ada",
/// username:"ada_l", language_code:"en"})); p.set("auth_date", "1796000000");
/// dcs = [...p.entries()].sort(by key).map(([k,v]) => k+"="+v).join("\n");
/// secret = createHmac("sha256", "WebAppData").update(Token).digest(); hash = createHmac("sha256", secret).update(dcs).digest("hex")
/// </code>
/// </summary>
public class TelegramInitDataTests
{
    private const string Token = "123456:test-bot-token";

    private const string Signed =
        "query_id=AAE-test-query&user=%7B%22id%22%3A4242%2C%22first_name%22%3A%22Ada%22%2C%22username%22%3A%22ada_l%22%2C%22language_code%22%3A%22en%22%7D"
        + "&auth_date=1796000000&hash=000347fc0b2fefa066c51be3777884de104bf1e265ad157526137bc863f18c1b";

    private static readonly DateTimeOffset AuthDate = DateTimeOffset.FromUnixTimeSeconds(1796000000);
    private static readonly TimeSpan MaxAge = TimeSpan.FromHours(1);

    [Fact]
    public void Telegrams_signature_proves_the_user()
    {
        var check = TelegramInitData.Validate(Signed, Token, AuthDate.AddMinutes(5), MaxAge);
        Assert.True(check.Valid, check.Problem);
        Assert.Equal(4242, check.UserId);
        Assert.Equal("Ada", check.Name);
    }

    [Fact]
    public void Field_order_does_not_matter_because_the_check_string_is_sorted()
    {
        var reordered = "auth_date=1796000000&hash=000347fc0b2fefa066c51be3777884de104bf1e265ad157526137bc863f18c1b&query_id=AAE-test-query"
            + "&user=%7B%22id%22%3A4242%2C%22first_name%22%3A%22Ada%22%2C%22username%22%3A%22ada_l%22%2C%22language_code%22%3A%22en%22%7D";
        Assert.True(TelegramInitData.Validate(reordered, Token, AuthDate, MaxAge).Valid);
    }

    [Theory]
    [InlineData("%22id%22%3A4242", "%22id%22%3A4243", "hash does not match")] // another user id
    [InlineData("auth_date=1796000000", "auth_date=1796003600", "hash does not match")] // a fresher date
    [InlineData("&hash=0003", "&hash=1003", "hash does not match")]
    [InlineData("&hash=000347fc0b2fefa066c51be3777884de104bf1e265ad157526137bc863f18c1b", "", "no hash")]
    [InlineData("&hash=000347fc0b2fefa066c51be3777884de104bf1e265ad157526137bc863f18c1b", "&hash=zz0347fc0b2fefa066c51be3777884de104bf1e265ad157526137bc863f18c1b", "no hash")]
    [InlineData("query_id=AAE-test-query", "query_id=AAE-test-query&query_id=again", "twice")]
    [InlineData("query_id=AAE-test-query", "query_id=%E0%A4%A", "hash does not match")]
    public void Tampered_initData_is_refused(string find, string replace, string problem)
    {
        var check = TelegramInitData.Validate(Signed.Replace(find, replace, StringComparison.Ordinal), Token, AuthDate, MaxAge);
        Assert.False(check.Valid);
        Assert.Null(check.UserId);
        Assert.Contains(problem, check.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_bots_token_does_not_validate()
    {
        var check = TelegramInitData.Validate(Signed, "654321:another-test-bot-token", AuthDate, MaxAge);
        Assert.Contains("hash does not match", check.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Old_initData_is_refused_and_so_is_initData_from_the_future()
    {
        Assert.Contains("too old", TelegramInitData.Validate(Signed, Token, AuthDate + MaxAge + TimeSpan.FromSeconds(1), MaxAge).Problem, StringComparison.Ordinal);
        Assert.Contains("too old", TelegramInitData.Validate(Signed, Token, AuthDate - TimeSpan.FromMinutes(2), MaxAge).Problem, StringComparison.Ordinal);
        Assert.True(TelegramInitData.Validate(Signed, Token, AuthDate + MaxAge, MaxAge).Valid);
    }

    [Theory]
    [InlineData(null, "empty")]
    [InlineData("", "empty")]
    [InlineData("hash", "key=value")]
    [InlineData("=x&hash=1", "key=value")]
    public void Malformed_initData_is_refused(string? initData, string problem) =>
        Assert.Contains(problem, TelegramInitData.Validate(initData, Token, AuthDate, MaxAge).Problem, StringComparison.Ordinal);

    [Fact]
    public void Oversized_initData_is_refused_before_any_work() =>
        Assert.Contains("longer than", TelegramInitData.Validate(new string('a', TelegramInitData.MaxLength + 1), Token, AuthDate, MaxAge).Problem, StringComparison.Ordinal);
}
