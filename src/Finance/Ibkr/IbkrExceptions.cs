namespace Bot.Finance.Ibkr;

/// <summary>IBKR answered with an error status or an <c>error</c> body.</summary>
public sealed class IbkrApiException(int status, string error, TimeSpan? retryAfter = null) : Exception($"IBKR answered {status}: {error}")
{
    public int Status { get; } = status;
    public string Error { get; } = error;
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>The gateway could not be reached, or answered something that is not IBKR's JSON.</summary>
public sealed class IbkrTransportException(string message, Exception? inner = null) : Exception(message, inner);
