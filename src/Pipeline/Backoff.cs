namespace Bot.Pipeline;

/// <summary>
/// How long to wait before the n-th retry in a row: <see cref="Initial"/>, doubling, at most <see cref="Max"/>, less up
/// to <see cref="Jitter"/> of it at random so that replicas retrying together spread out. The one backoff of the
/// service: worker loops, the outbox's retries, channel connections and the IBKR keep-alive all use it.
/// </summary>
public sealed record Backoff(TimeSpan Initial, TimeSpan Max, double Jitter = 0.2)
{
    /// <summary>The wait before retry number <paramref name="attempt"/> (1 is the first retry).</summary>
    public TimeSpan After(int attempt)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 30);
        var delay = Math.Min(Initial.TotalMilliseconds * Math.Pow(2, exponent), Max.TotalMilliseconds);
        delay *= 1 - (Random.Shared.NextDouble() * Jitter);
        return TimeSpan.FromMilliseconds(delay);
    }

    /// <summary>Waits <see cref="After"/>; returns early (without throwing) when the token is cancelled.</summary>
    public async Task DelayAsync(int attempt, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(After(attempt), cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public static TimeSpan For(int attempt, TimeSpan initial, TimeSpan max) => new Backoff(initial, max).After(attempt);

    public static Task DelayAsync(int attempt, TimeSpan initial, TimeSpan max, CancellationToken cancellationToken) =>
        new Backoff(initial, max).DelayAsync(attempt, cancellationToken);
}
