using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Plaid;

public sealed record PlaidSecurity(string SecurityId, string? Name, string? TickerSymbol, string? Type);
