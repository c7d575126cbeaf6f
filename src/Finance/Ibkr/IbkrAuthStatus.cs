using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Ibkr;

public sealed record IbkrAuthStatus(bool? Authenticated, bool? Connected, bool? Competing);
