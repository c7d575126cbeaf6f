using Bot.Agent.Memory;

namespace Bot.Tests.Unit.Agent;

public class GenerationalCacheTests
{
    [Fact]
    public void The_weight_held_stays_within_the_capacity_and_what_is_in_use_survives()
    {
        var cache = new GenerationalCache<int, string>(capacity: 1_000, weigh: value => value.Length);
        var inUse = new string('u', 10);
        cache.Set(-1, inUse);
        for (var i = 0; i < 10_000; i++)
        {
            cache.Set(i, new string('x', 10));
            Assert.True(cache.TryGet(-1, out var kept)); // read on every turn, so never dropped
            Assert.Same(inUse, kept);
            Assert.True(cache.Count * 10 <= 1_000 + 10, $"{cache.Count} entries");
        }
        Assert.True(cache.TryGet(9_999, out _));
        Assert.False(cache.TryGet(0, out _));
    }

    [Fact]
    public void A_set_replaces_the_entry_in_either_generation()
    {
        var cache = new GenerationalCache<string, int>(capacity: 4, weigh: _ => 1);
        cache.Set("a", 1);
        cache.Set("b", 2);
        cache.Set("c", 3); // "a" and "b" and "c" rotate into the old generation
        cache.Set("a", 10);
        Assert.True(cache.TryGet("a", out var a));
        Assert.Equal(10, a);
        Assert.True(cache.TryGet("b", out var b));
        Assert.Equal(2, b);
    }
}
