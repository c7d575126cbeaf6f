using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Plaid;

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
