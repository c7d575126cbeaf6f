using Bot.Pipeline;

namespace Bot.Tests.Unit;

public class BackoffTests
{
    [Fact]
    public void Delay_doubles_from_the_initial_value_and_stops_at_the_cap()
    {
        var initial = TimeSpan.FromSeconds(1);
        var max = TimeSpan.FromSeconds(60);
        for (var attempt = 1; attempt <= 12; attempt++)
        {
            var expected = Math.Min(Math.Pow(2, attempt - 1), 60);
            var delay = Backoff.For(attempt, initial, max).TotalSeconds;
            // Up to 20% jitter below the nominal value, never above it.
            Assert.InRange(delay, expected * 0.8 - 1e-9, expected + 1e-9);
        }
    }

    [Fact]
    public void Huge_attempt_counts_do_not_overflow()
    {
        Assert.InRange(Backoff.For(int.MaxValue, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60)).TotalSeconds, 48, 60);
    }

    [Fact]
    public async Task Signal_wakes_one_waiter_and_coalesces_repeated_sets()
    {
        using var signal = new AsyncSignal();
        signal.Set();
        signal.Set();
        Assert.True(await signal.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.False(await signal.WaitAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None));
    }
}
