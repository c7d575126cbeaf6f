namespace Bot.Agent.Identities;

/// <summary>Which limit stops a <c>/connect CODE</c> before its code is looked at.</summary>
public enum ConnectLimit
{
    None,

    /// <summary>This account sent too many wrong codes lately.</summary>
    Account,

    /// <summary>Too many wrong codes from everyone together lately (many accounts guessing at once).</summary>
    Global,
}

/// <summary>
/// Guessing a code is rate limited by the wrong codes counted in <c>connect_failures</c>: at most
/// <see cref="AccountFailures"/> per account in <see cref="AccountWindow"/>, and <see cref="GlobalFailures"/> from all
/// accounts together in <see cref="GlobalWindow"/>. With 50 bits per code, one live code per account and ten minutes
/// of life, the global bound leaves a guesser about 1,000 tries per code's lifetime: a chance near 1 in 10^12.
/// </summary>
public static class ConnectRateLimit
{
    public const int AccountFailures = 5;
    public static readonly TimeSpan AccountWindow = TimeSpan.FromMinutes(15);

    public const int GlobalFailures = 100;
    public static readonly TimeSpan GlobalWindow = TimeSpan.FromMinutes(1);

    /// <summary>The limit that applies with these failures already counted in their windows.</summary>
    public static ConnectLimit Check(long accountFailures, long globalFailures) =>
        accountFailures >= AccountFailures ? ConnectLimit.Account
        : globalFailures >= GlobalFailures ? ConnectLimit.Global
        : ConnectLimit.None;

    /// <summary>Tries this account has left in its window once <paramref name="accountFailures"/> are counted.</summary>
    public static int TriesLeft(long accountFailures) => (int)Math.Max(0, AccountFailures - accountFailures);

    /// <summary>
    /// When the account may try again: once its oldest failure in the window leaves it (the count is then below the limit).
    /// </summary>
    public static TimeSpan RetryAfter(DateTimeOffset oldestFailureInWindow, DateTimeOffset now)
    {
        var wait = oldestFailureInWindow + AccountWindow - now;
        return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
    }
}
