using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Plaid;

public sealed record PlaidPublicTokenExchangeResponse(string AccessToken, string ItemId, string RequestId);
