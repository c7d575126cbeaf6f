using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Plaid;

public sealed record PlaidHoldingsResponse(IReadOnlyList<PlaidAccount> Accounts, IReadOnlyList<PlaidHolding> Holdings, IReadOnlyList<PlaidSecurity> Securities, string RequestId);
