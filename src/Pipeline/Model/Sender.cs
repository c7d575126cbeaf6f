using System.Text.Json.Serialization;

namespace Bot.Pipeline.Model;

/// <summary>Who sent a message, as the platform names them.</summary>
public sealed record Sender(string PlatformUserId, string? DisplayName = null);
