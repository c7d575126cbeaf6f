using System.Text;
using Bot.Pipeline.Model;

namespace Bot.Channels.Telegram;

/// <summary>
/// <c>callback_data</c> (at most 64 bytes) is <c>c:ACTION ARGS</c>, which maps back to the <see cref="ActionInvoke"/> the
/// button carries. <c>p:OPERATION:SHORTID:HASH</c> is still read: plan cards sent before the generic card model carry it.
/// </summary>
public static class TelegramCallbackData
{
    public const int MaxBytes = 64;
    private const string LegacyPlanAction = "/plan";

    /// <summary>The button's data, or null when it does not fit in 64 bytes (the button is left out rather than cut).</summary>
    public static string? For(ActionInvoke action)
    {
        var args = action.Arguments;
        var data = args.Length == 0 ? $"c:{action.Name}" : $"c:{action.Name} {args}";
        return Encoding.UTF8.GetByteCount(data) <= MaxBytes ? data : null;
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
                ? new ActionInvoke(LegacyPlanAction, new Dictionary<string, string> { [ActionInvoke.ArgumentsKey] = $"{parts[1]} {parts[2]} {parts[3]}" })
                : null;
        }
        if (data.StartsWith("c:/", StringComparison.Ordinal))
        {
            var body = data[2..];
            var space = body.IndexOf(' ', StringComparison.Ordinal);
            var (command, args) = space < 0 ? (body, string.Empty) : (body[..space], body[(space + 1)..]);
            return new ActionInvoke(command, new Dictionary<string, string> { [ActionInvoke.ArgumentsKey] = args });
        }
        return null;
    }
}
