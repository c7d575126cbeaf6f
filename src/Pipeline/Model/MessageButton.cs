using System.Text.Json.Serialization;

namespace Bot.Pipeline.Model;

/// <summary>A button on an outgoing message: a label and the action it invokes.</summary>
public sealed record MessageButton(string Label, string Action, IReadOnlyDictionary<string, string>? Data = null);
