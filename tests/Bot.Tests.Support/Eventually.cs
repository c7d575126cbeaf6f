namespace Bot.Tests.Support;

/// <summary>Waits for a condition that becomes true asynchronously. The timeout is generous: it bounds a hang, it is not a performance claim.</summary>
public static class Eventually
{
    public static async Task<T> GetAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        T value;
        while (true)
        {
            value = await probe();
            if (done(value))
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}; last value: {value}");
            }
            await Task.Delay(50);
        }
    }
}
