using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Ibkr;

public sealed record IbkrWhatIfResponse(IbkrWhatIfAmount? Amount, string? Warn, string? Error);
