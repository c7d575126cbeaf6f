using System.Text.Json;

namespace Bot.Finance.Ibkr;

/// <summary>
/// The four shapes IBKR answers an order submission (or a reply) with: the order was accepted; IBKR wants warning
/// messages confirmed through <c>/iserver/reply/{id}</c>; an error; or an "advanced rejection" prompt with options.
/// </summary>
public abstract record IbkrOrderAnswer
{
    private IbkrOrderAnswer()
    {
    }

    public sealed record Accepted(string OrderId, string? Status) : IbkrOrderAnswer;

    public sealed record ConfirmationNeeded(string ReplyId, IReadOnlyList<string> Messages) : IbkrOrderAnswer;

    public sealed record Rejected(string Reason) : IbkrOrderAnswer;

    public static IbkrOrderAnswer Parse(JsonElement body)
    {
        if (body.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in body.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }
                if (item.TryGetProperty("order_id", out var orderId))
                {
                    return new Accepted(orderId.ToString(), item.TryGetProperty("order_status", out var status) ? status.GetString() : null);
                }
                if (item.TryGetProperty("id", out var replyId) && item.TryGetProperty("message", out var messages))
                {
                    var texts = messages.ValueKind == JsonValueKind.Array
                        ? messages.EnumerateArray().Select(m => m.ToString()).ToList()
                        : [messages.ToString()];
                    return new ConfirmationNeeded(replyId.ToString(), texts);
                }
                if (item.TryGetProperty("error", out var itemError))
                {
                    return new Rejected(itemError.ToString());
                }
            }
            return new Rejected("IBKR answered with an empty list.");
        }
        if (body.ValueKind == JsonValueKind.Object)
        {
            if (body.TryGetProperty("error", out var error))
            {
                return new Rejected(error.ToString().Trim());
            }
            if (body.TryGetProperty("text", out var text))
            {
                // An "advanced order reject" prompt: IBKR wants a choice this service does not make on the user's behalf.
                return new Rejected(text.ToString());
            }
        }
        return new Rejected("IBKR answered the order with something this service does not understand.");
    }

    /// <summary>IBKR refuses a reused client order id with "Local order ID ... is already registered" (or "duplicate").</summary>
    public static bool IsDuplicateClientOrderId(string reason) =>
        reason.Contains("already registered", StringComparison.OrdinalIgnoreCase)
        || reason.Contains("duplicate", StringComparison.OrdinalIgnoreCase);
}
