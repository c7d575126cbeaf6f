namespace Bot.Storage.Entities;

/// <summary>An ASP.NET Core Data Protection key ring element, shared by every replica.</summary>
public sealed class DataProtectionKey
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public string? FriendlyName { get; set; }
    public required string Xml { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
