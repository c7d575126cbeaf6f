namespace Bot.Finance.Ibkr;

/// <summary>IBKR answered with an error status or an <c>error</c> body.</summary>
public sealed class IbkrApiException(int status, string error, TimeSpan? retryAfter = null) : Exception($"IBKR answered {status}: {error}")
{
    public int Status { get; } = status;
    public string Error { get; } = error;
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
