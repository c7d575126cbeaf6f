using System.Diagnostics.CodeAnalysis;

namespace Bot.Agent.Memory;

/// <summary>
/// A bounded in-memory cache with two generations: entries go into the young one; when it outweighs half the
/// capacity it becomes the old one and the previous old one is dropped whole. A hit in the old generation moves the
/// entry back to the young one, so what is in use survives and what is not is gone after two rotations. The total
/// weight stays within the capacity (plus one entry); no timers, no per-entry bookkeeping beyond a dictionary slot.
/// </summary>
internal sealed class GenerationalCache<TKey, TValue>(long capacity, Func<TValue, long> weigh) where TKey : notnull
{
    private readonly Lock gate = new();
    private Dictionary<TKey, TValue> young = [];
    private Dictionary<TKey, TValue> old = [];
    private long youngWeight;

    public int Count
    {
        get
        {
            lock (gate)
            {
                return young.Count + old.Count;
            }
        }
    }

    public bool TryGet(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        lock (gate)
        {
            if (young.TryGetValue(key, out value))
            {
                return true;
            }
            if (old.Remove(key, out value))
            {
                AddYoung(key, value);
                return true;
            }
            return false;
        }
    }

    public void Set(TKey key, TValue value)
    {
        lock (gate)
        {
            old.Remove(key);
            if (young.Remove(key, out var replaced))
            {
                youngWeight -= weigh(replaced);
            }
            AddYoung(key, value);
        }
    }

    private void AddYoung(TKey key, TValue value)
    {
        young[key] = value;
        youngWeight += weigh(value);
        if (youngWeight > capacity / 2)
        {
            old = young;
            young = [];
            youngWeight = 0;
        }
    }
}
