using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Ibkr;

// IBKR Web API wire types (only the fields used). IBKR mixes numbers and numeric strings for the same field
// across endpoints and versions, so numbers are read from either.

public sealed record IbkrAccountsResponse(IReadOnlyList<string>? Accounts, string? SelectedAccount, bool? IsPaper);
