using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Ibkr;

public sealed record IbkrSecdef(long? Conid, string? Symbol, string? CompanyName, string? Description, IReadOnlyList<IbkrSection>? Sections);
