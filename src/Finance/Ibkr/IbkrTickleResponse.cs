using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Ibkr;

public sealed record IbkrTickleResponse(string? Session, IbkrIserverStatus? Iserver, string? Error);
