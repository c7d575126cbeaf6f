namespace Bot.Storage.Entities;

/// <summary>One account of a user on one channel (a Telegram user id, a Slack user, the web owner).</summary>
public sealed class ChannelIdentity
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid UserId { get; set; }
    public required string Channel { get; set; }
    public required string PlatformUserId { get; set; }
    public string? DisplayName { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
