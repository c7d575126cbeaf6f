using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Plaid;

public sealed record PlaidItem(string ItemId, string? InstitutionId, string? InstitutionName);
