using System.Text;
using Bot.Pipeline.Model;

namespace Bot.Channels.Telegram;

/// <summary>
/// <c>callback_data</c> (at most 64 bytes): <c>p:OPERATION:SHORTID:HASH</c> for a plan card's buttons, and
/// <c>c:COMMAND ARGS</c> for any other button. Both map back to the <see cref="ActionInvoke"/> a typed command gives.
/// </summary>
public static class TelegramCallbackData
{
    public const int MaxBytes = 64;
    private const string PlanCommand = "/plan";

    public static string? ForPlan(PlanCardAction action)
    {
        var parts = action.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var data = action.Command == PlanCommand && parts.Length == 3 && parts[0] == action.Operation
            ? $"p:{parts[0]}:{parts[1]}:{parts[2]}"
            : $"c:{action.Command} {action.Arguments}";
        return Fits(data) ? data : null;
    }

    public static string? ForButton(MessageButton button)
    {
        var args = button.Data is not null && button.Data.TryGetValue("args", out var a) ? a : string.Empty;
        var data = args.Length == 0 ? $"c:{button.Action}" : $"c:{button.Action} {args}";
        return Fits(data) ? data : null;
    }

    public static ActionInvoke? Parse(string? data)
    {
        if (string.IsNullOrEmpty(data) || Encoding.UTF8.GetByteCount(data) > MaxBytes)
        {
            return null;
        }
        if (data.StartsWith("p:", StringComparison.Ordinal))
        {
            var parts = data.Split(':');
            return parts.Length == 4 && parts.Skip(1).All(p => p.Length > 0)
                ? new ActionInvoke(PlanCommand, new Dictionary<string, string> { ["args"] = $"{parts[1]} {parts[2]} {parts[3]}" })
                : null;
        }
        if (data.StartsWith("c:/", StringComparison.Ordinal))
        {
            var body = data[2..];
            var space = body.IndexOf(' ', StringComparison.Ordinal);
            var (command, args) = space < 0 ? (body, string.Empty) : (body[..space], body[(space + 1)..]);
            return new ActionInvoke(command, new Dictionary<string, string> { ["args"] = args });
        }
        return null;
    }

    private static bool Fits(string data) => Encoding.UTF8.GetByteCount(data) <= MaxBytes;
}
