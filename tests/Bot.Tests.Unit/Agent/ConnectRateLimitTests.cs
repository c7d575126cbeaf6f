using Bot.Agent.Identities;

namespace Bot.Tests.Unit.Agent;

public class ConnectRateLimitTests
{
    [Theory]
    [InlineData(0, 0, ConnectLimit.None)]
    [InlineData(4, 0, ConnectLimit.None)]
    [InlineData(5, 0, ConnectLimit.Account)]
    [InlineData(9, 500, ConnectLimit.Account)]
    [InlineData(0, 99, ConnectLimit.None)]
    [InlineData(0, 100, ConnectLimit.Global)]
    [InlineData(4, 100, ConnectLimit.Global)]
    public void An_account_gets_five_wrong_codes_in_its_window_and_everyone_together_a_hundred_a_minute(long account, long global, ConnectLimit expected) =>
        Assert.Equal(expected, ConnectRateLimit.Check(account, global));

    [Fact]
    public void The_windows_are_fifteen_minutes_per_account_and_one_minute_overall()
    {
        Assert.Equal(TimeSpan.FromMinutes(15), ConnectRateLimit.AccountWindow);
        Assert.Equal(TimeSpan.FromMinutes(1), ConnectRateLimit.GlobalWindow);
    }

    [Theory]
    [InlineData(1, 4)]
    [InlineData(4, 1)]
    [InlineData(5, 0)]
    [InlineData(7, 0)]
    public void Tries_left_count_down_to_zero(long failures, int left) => Assert.Equal(left, ConnectRateLimit.TriesLeft(failures));

    [Fact]
    public void An_account_may_try_again_once_its_oldest_failure_leaves_the_window()
    {
        var now = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal(TimeSpan.FromMinutes(11), ConnectRateLimit.RetryAfter(now.AddMinutes(-4), now));
        Assert.Equal(TimeSpan.Zero, ConnectRateLimit.RetryAfter(now.AddMinutes(-20), now));
    }

    [Fact]
    public void Guessing_a_live_code_within_the_global_bound_stays_hopeless()
    {
        // The most wrong codes everyone together can send during one code's lifetime, against 50 bits.
        var guesses = ConnectRateLimit.GlobalFailures * (ConnectCode.Lifetime / ConnectRateLimit.GlobalWindow);
        var chance = guesses / Math.Pow(2, ConnectCode.Length * Math.Log2(ConnectCode.Alphabet.Length));
        Assert.True(chance < 1e-9, $"chance {chance}");
    }
}
