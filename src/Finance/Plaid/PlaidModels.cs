using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Plaid;

// Plaid's wire format (API version 2020-09-14), snake_case through PlaidClient's serializer options. Only the
// fields this service uses are modelled; Plaid adds fields freely, and unknown ones are ignored.

public sealed record PlaidLinkTokenUser(string ClientUserId);

public sealed record PlaidLinkTokenCreateRequest(
    string ClientName,
    string Language,
    IReadOnlyList<string> CountryCodes,
    PlaidLinkTokenUser User,
    IReadOnlyList<string>? Products = null,
    string? AccessToken = null);

public sealed record PlaidLinkTokenCreateResponse(string LinkToken, DateTimeOffset Expiration, string RequestId);

public sealed record PlaidPublicTokenExchangeRequest(string PublicToken);

public sealed record PlaidPublicTokenExchangeResponse(string AccessToken, string ItemId, string RequestId);

public sealed record PlaidSandboxPublicTokenCreateRequest(string InstitutionId, IReadOnlyList<string> InitialProducts);

public sealed record PlaidSandboxPublicTokenCreateResponse(string PublicToken, string RequestId);

public sealed record PlaidAccessTokenRequest(string AccessToken);

public sealed record PlaidBalances(decimal? Available, decimal? Current, decimal? Limit, string? IsoCurrencyCode, string? UnofficialCurrencyCode);

public sealed record PlaidAccount(string AccountId, PlaidBalances Balances, string? Mask, string Name, string? OfficialName, string Type, string? Subtype);

public sealed record PlaidItem(string ItemId, string? InstitutionId, string? InstitutionName);

public sealed record PlaidAccountsResponse(IReadOnlyList<PlaidAccount> Accounts, PlaidItem? Item, string RequestId);

public sealed record PlaidTransactionsSyncRequest(string AccessToken, string? Cursor, int Count);

public sealed record PlaidPersonalFinanceCategory(string Primary, string? Detailed);

public sealed record PlaidTransaction(
    string TransactionId,
    string AccountId,
    decimal Amount,
    string? IsoCurrencyCode,
    string? UnofficialCurrencyCode,
    DateOnly Date,
    string? Name,
    string? MerchantName,
    bool Pending,
    PlaidPersonalFinanceCategory? PersonalFinanceCategory,
    IReadOnlyList<string>? Category);

public sealed record PlaidRemovedTransaction(string TransactionId);

public sealed record PlaidTransactionsSyncResponse(
    IReadOnlyList<PlaidTransaction> Added,
    IReadOnlyList<PlaidTransaction> Modified,
    IReadOnlyList<PlaidRemovedTransaction> Removed,
    string NextCursor,
    bool HasMore,
    string RequestId);

public sealed record PlaidHolding(
    string AccountId,
    string SecurityId,
    decimal Quantity,
    decimal InstitutionPrice,
    decimal? InstitutionValue,
    decimal? CostBasis,
    string? IsoCurrencyCode,
    string? UnofficialCurrencyCode);

public sealed record PlaidSecurity(string SecurityId, string? Name, string? TickerSymbol, string? Type);

public sealed record PlaidHoldingsResponse(IReadOnlyList<PlaidAccount> Accounts, IReadOnlyList<PlaidHolding> Holdings, IReadOnlyList<PlaidSecurity> Securities, string RequestId);

public sealed record PlaidInvestmentsTransactionsOptions(int Count, int Offset);

public sealed record PlaidInvestmentsTransactionsRequest(string AccessToken, DateOnly StartDate, DateOnly EndDate, PlaidInvestmentsTransactionsOptions? Options = null);

public sealed record PlaidInvestmentTransaction(
    string InvestmentTransactionId,
    string AccountId,
    string? SecurityId,
    DateOnly Date,
    string Name,
    decimal Quantity,
    decimal Amount,
    decimal Price,
    string Type,
    string? Subtype,
    string? IsoCurrencyCode,
    string? UnofficialCurrencyCode);

public sealed record PlaidInvestmentsTransactionsResponse(
    IReadOnlyList<PlaidAccount> Accounts,
    IReadOnlyList<PlaidInvestmentTransaction> InvestmentTransactions,
    IReadOnlyList<PlaidSecurity> Securities,
    int TotalInvestmentTransactions,
    string RequestId);

/// <summary>Plaid's error body (every non-2xx answer).</summary>
public sealed record PlaidErrorBody(
    string? ErrorType,
    string? ErrorCode,
    string? ErrorMessage,
    string? DisplayMessage,
    string? RequestId);

internal static class PlaidJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };
}
