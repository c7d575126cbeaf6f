using System.Text.RegularExpressions;
using Bot.Pipeline;
using Bot.Pipeline.Model;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Tests.Integration.Identities;

/// <summary>One platform account in a pipeline test: it sends messages on its channel and reads the bot's answers.</summary>
public sealed partial class AccountDriver(BotAppFactory app, string channel, string? user = null)
{
    private readonly PipelineDriver driver = new(app);

    public string Channel { get; } = channel;

    public string User { get; } = user ?? "u-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The private chat of this account (one per account).</summary>
    public string Chat => $"dm-{User}";

    /// <summary>Records the message without running its turn.</summary>
    public async Task<InboundRecord> RecordAsync(string text, string? chat = null, bool isGroup = false) =>
        await app.Services.GetRequiredService<InboxRecorder>().RecordAsync(new IncomingMessage
        {
            Address = new ConversationAddress(Channel, chat ?? Chat),
            EventId = Guid.NewGuid().ToString("N"),
            From = new Sender(User, User),
            Text = text,
            IsGroup = isGroup,
            Timestamp = DateTimeOffset.UtcNow,
        }, null, default);

    /// <summary>Sends a message, runs its turn, and returns the bot's answer.</summary>
    public async Task<string> SendAsync(string text, string? chat = null, bool isGroup = false)
    {
        var inbound = await RecordAsync(text, chat, isGroup);
        await driver.RunAsync(inbound.ThreadId);
        return await ReplyToAsync(inbound.InboxId);
    }

    public async Task<string> ReplyToAsync(Guid inboxId) =>
        await app.Database.ScalarAsync<string>(
            "SELECT payload->>'text' FROM outbox WHERE payload->>'inReplyTo' = $1::text ORDER BY seq DESC LIMIT 1",
            inboxId) ?? throw new InvalidOperationException($"no reply to {inboxId}");

    /// <summary>Asks for a code and returns it as the reply shows it.</summary>
    public async Task<string> IssueCodeAsync()
    {
        var reply = await SendAsync("/connect");
        var match = CodeInReply().Match(reply);
        Assert.True(match.Success, "no code in: " + reply);
        return match.Groups[1].Value;
    }

    public async Task<Guid> UserIdAsync() =>
        await app.Database.ScalarAsync<Guid>("SELECT user_id FROM channel_identities WHERE channel = $1 AND platform_user_id = $2", Channel, User);

    [GeneratedRegex("`/connect ([0-9A-Z]{5}-[0-9A-Z]{5})`")]
    private static partial Regex CodeInReply();
}
