using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Plaid;

public sealed record PlaidLinkTokenCreateResponse(string LinkToken, DateTimeOffset Expiration, string RequestId);
