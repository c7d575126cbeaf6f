using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Ibkr;

public sealed record IbkrSessionInitRequest(bool Publish, bool Compete);
