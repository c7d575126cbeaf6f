using System.Text.Json.Serialization;

namespace Bot.Pipeline.Model;

/// <summary>
/// A button press or card action, already verified by the channel: the action's name (<c>/plan</c>) and its data, whose
/// <see cref="ArgumentsKey"/> entry is the argument string, as the typed command would carry it.
/// </summary>
public sealed record ActionInvoke(string Name, IReadOnlyDictionary<string, string> Data)
{
    public const string ArgumentsKey = "args";

    public string Arguments => Data.TryGetValue(ArgumentsKey, out var arguments) ? arguments : string.Empty;
}
