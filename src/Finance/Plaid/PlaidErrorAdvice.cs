namespace Bot.Finance.Plaid;

public enum PlaidRemedy
{
    /// <summary>The user must sign in to their bank again through a fresh link (Plaid Link update mode).</summary>
    Relink,
    /// <summary>Try again later (rate limit, the bank or Plaid is temporarily unavailable, data not ready yet).</summary>
    RetryLater,
    /// <summary>The service's own Plaid settings are wrong: only the operator can fix it.</summary>
    Operator,
    /// <summary>Link the bank again from scratch (the connection is gone).</summary>
    LinkAgain,
    /// <summary>Nothing the user can do differently; the message says what happened.</summary>
    None,
}

/// <summary>What the user should do about a Plaid error, in words.</summary>
public sealed record PlaidAdvice(PlaidRemedy Remedy, string Message);

/// <summary>Maps Plaid's error types and codes to what the user (or the operator) should do.</summary>
public static class PlaidErrorAdvice
{
    private static readonly HashSet<string> OperatorCodes = new(StringComparer.Ordinal)
    {
        "INVALID_API_KEYS", "UNAUTHORIZED_ENVIRONMENT", "INVALID_CLIENT_ID", "INVALID_SECRET", "MISSING_CLIENT_ID",
        "MISSING_SECRET", "INVALID_PRODUCT", "PRODUCTS_NOT_ENABLED", "UNAUTHORIZED_ROUTE_ACCESS", "INVALID_LINK_CUSTOMIZATION",
        "INVALID_FIELD", "INVALID_BODY", "INVALID_HEADERS", "MISSING_FIELDS", "UNKNOWN_FIELDS", "NOT_FOUND",
    };

    private static readonly HashSet<string> RelinkCodes = new(StringComparer.Ordinal)
    {
        "ITEM_LOGIN_REQUIRED", "PENDING_EXPIRATION", "ACCESS_NOT_GRANTED", "INSUFFICIENT_CREDENTIALS", "USER_SETUP_REQUIRED",
        "MFA_NOT_SUPPORTED", "NO_ACCOUNTS", "ITEM_LOCKED", "INVALID_CREDENTIALS", "INVALID_MFA", "INVALID_UPDATED_USERNAME",
        "USER_PERMISSION_REVOKED", "ITEM_NOT_SUPPORTED",
    };

    private static readonly HashSet<string> LinkAgainCodes = new(StringComparer.Ordinal)
    {
        "ITEM_NOT_FOUND", "INVALID_ACCESS_TOKEN", "ACCESS_TOKEN_NOT_FOUND",
    };

    private static readonly HashSet<string> RetryCodes = new(StringComparer.Ordinal)
    {
        "PRODUCT_NOT_READY", "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION", "INSTITUTION_DOWN", "INSTITUTION_NOT_RESPONDING",
        "INSTITUTION_NOT_AVAILABLE", "INSTITUTION_NO_LONGER_SUPPORTED", "INTERNAL_SERVER_ERROR", "PLANNED_MAINTENANCE",
    };

    public static PlaidAdvice For(PlaidApiException error)
    {
        var code = error.ErrorCode;
        var type = error.ErrorType;
        if (type == "RATE_LIMIT_EXCEEDED" || code.EndsWith("_LIMIT", StringComparison.Ordinal) || code == "RATE_LIMIT" || error.Status == 429)
        {
            var wait = error.RetryAfter is { } after ? $"in about {Math.Max(1, (int)Math.Ceiling(after.TotalMinutes))} minute(s)" : "in a few minutes";
            return new(PlaidRemedy.RetryLater, $"The bank data service is receiving too many requests right now. Please try again {wait}.");
        }
        if (RelinkCodes.Contains(code))
        {
            return new(PlaidRemedy.Relink, "Your bank needs you to sign in again before I can read your accounts. Open the new link below to reconnect it.");
        }
        if (LinkAgainCodes.Contains(code))
        {
            return new(PlaidRemedy.LinkAgain, "That bank connection no longer exists at the bank data service. Send `/link bank` to connect your bank again.");
        }
        if (OperatorCodes.Contains(code) || type == "INVALID_INPUT" || error.Status is 401 or 403)
        {
            return new(PlaidRemedy.Operator,
                $"The bank connection is not set up correctly on this service (Plaid rejected its request: {code}). This is for whoever runs the bot to fix in the Plaid settings (Plaid:ClientId, Plaid:Secret, Plaid:BaseUrl); please let them know.");
        }
        if (RetryCodes.Contains(code) || type is "API_ERROR" or "INSTITUTION_ERROR" || error.Status >= 500)
        {
            return new(PlaidRemedy.RetryLater, code == "PRODUCT_NOT_READY"
                ? "Your bank data is still being prepared. Please try again in a minute or two."
                : "Your bank or the bank data service is not answering right now. Please try again later.");
        }
        return new(PlaidRemedy.None, error.DisplayMessage is { Length: > 0 } display
            ? display
            : $"The bank data service could not do that ({code}).");
    }
}
