using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Plaid;

public sealed record PlaidAccount(string AccountId, PlaidBalances Balances, string? Mask, string Name, string? OfficialName, string Type, string? Subtype);
