using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Plaid;

public sealed record PlaidHolding(
    string AccountId,
    string SecurityId,
    decimal Quantity,
    decimal InstitutionPrice,
    decimal? InstitutionValue,
    decimal? CostBasis,
    string? IsoCurrencyCode,
    string? UnofficialCurrencyCode);
