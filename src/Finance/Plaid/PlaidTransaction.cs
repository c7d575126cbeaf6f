using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Plaid;

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
