namespace Bot.Finance.Plaid;

/// <summary>Plaid answered with an error (<c>error_type</c>, <c>error_code</c>). The message never contains a token.</summary>
public sealed class PlaidApiException(int status, PlaidErrorBody error, TimeSpan? retryAfter = null)
    : Exception($"Plaid answered {status} {error.ErrorType}/{error.ErrorCode}: {error.ErrorMessage}")
{
    public int Status { get; } = status;
    public string ErrorType { get; } = error.ErrorType ?? "UNKNOWN";
    public string ErrorCode { get; } = error.ErrorCode ?? "UNKNOWN";
    public string? DisplayMessage { get; } = error.DisplayMessage;
    public string? RequestId { get; } = error.RequestId;
    public TimeSpan? RetryAfter { get; } = retryAfter;
    public PlaidErrorBody Error { get; } = error;

    /// <summary>The bank connection the failed call was for, when there was one (set by the bank provider).</summary>
    public Guid? BankItemId { get; init; }
}
