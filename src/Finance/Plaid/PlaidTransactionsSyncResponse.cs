using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Plaid;

public sealed record PlaidTransactionsSyncResponse(
    IReadOnlyList<PlaidTransaction> Added,
    IReadOnlyList<PlaidTransaction> Modified,
    IReadOnlyList<PlaidRemovedTransaction> Removed,
    string NextCursor,
    bool HasMore,
    string RequestId);
