using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Plaid;

// Plaid's wire format (API version 2020-09-14), snake_case through PlaidClient's serializer options. Only the
// fields this service uses are modelled; Plaid adds fields freely, and unknown ones are ignored.

public sealed record PlaidLinkTokenUser(string ClientUserId);
