using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Plaid;

public sealed record PlaidLinkTokenCreateRequest(
    string ClientName,
    string Language,
    IReadOnlyList<string> CountryCodes,
    PlaidLinkTokenUser User,
    IReadOnlyList<string>? Products = null,
    string? AccessToken = null);
