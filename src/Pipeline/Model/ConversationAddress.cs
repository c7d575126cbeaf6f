using System.Text.Json.Serialization;

namespace Bot.Pipeline.Model;

/// <summary>Where a message lives: the channel, the platform's conversation id, and (where the platform has one) its thread key.</summary>
public sealed record ConversationAddress(string Channel, string ConversationId, string? ThreadKey = null);
