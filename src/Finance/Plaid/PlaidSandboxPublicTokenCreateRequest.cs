using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Plaid;

public sealed record PlaidSandboxPublicTokenCreateRequest(string InstitutionId, IReadOnlyList<string> InitialProducts);
