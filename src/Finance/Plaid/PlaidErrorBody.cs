using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Plaid;

/// <summary>Plaid's error body (every non-2xx answer).</summary>
public sealed record PlaidErrorBody(
    string? ErrorType,
    string? ErrorCode,
    string? ErrorMessage,
    string? DisplayMessage,
    string? RequestId);
