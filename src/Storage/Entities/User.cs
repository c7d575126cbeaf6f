namespace Bot.Storage.Entities;

/// <summary>A person. Owns channel identities, threads, memory.</summary>
public sealed class User
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string DisplayName { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>The user's IANA time zone, once known (schedules use it when a command names none).</summary>
    public string? TimeZone { get; set; }
}
