using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Plaid;

public sealed record PlaidBalances(decimal? Available, decimal? Current, decimal? Limit, string? IsoCurrencyCode, string? UnofficialCurrencyCode);
