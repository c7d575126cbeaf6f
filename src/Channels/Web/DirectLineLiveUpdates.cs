using System.Text;
using System.Text.Json;
using Bot.Pipeline;
using Bot.Channels.BotFramework;
using Bot.Storage.Entities;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bot.Channels.Web;

/// <summary>
/// Typing and streamed text for the web chat, pushed to open Direct Line streams of every replica through
/// <c>pg_notify</c> and never stored (a reloaded page shows the final reply only).
/// </summary>
public sealed class DirectLineLiveUpdates(NpgsqlDataSource dataSource, IOptions<WebOptions> options, TimeProvider clock) : ILiveUpdateSender
{
    /// <summary>PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; longer streamed text falls back to the indicator.</summary>
    private const int MaxPayloadBytes = 7_900;

    public string Channel => DirectLineStore.ChannelName;

    public Task TypingAsync(Conversation conversation, CancellationToken cancellationToken) =>
        NotifyAsync(conversation.Address, DirectLineMapper.Typing(Guid.CreateVersion7().ToString("N"), conversation.Address, options.Value.BotName, clock.GetUtcNow()), cancellationToken);

    public Task StreamTextAsync(Conversation conversation, string streamId, int sequence, string textSoFar, CancellationToken cancellationToken)
    {
        var id = sequence == 1 ? streamId : Guid.CreateVersion7().ToString("N");
        return NotifyAsync(conversation.Address, DirectLineMapper.Typing(id, conversation.Address, options.Value.BotName, clock.GetUtcNow(), streamId, sequence, textSoFar), cancellationToken);
    }

    private async Task NotifyAsync(string address, Activity activity, CancellationToken cancellationToken)
    {
        var payload = DirectLineNotifier.LivePayload(address, JsonSerializer.Serialize(activity, ActivityJson.Options));
        if (Encoding.UTF8.GetByteCount(payload) > MaxPayloadBytes)
        {
            return;
        }
        await using var command = dataSource.CreateCommand($"SELECT pg_notify('{DirectLineNotifier.Channel}', $1)");
        command.Parameters.Add(new() { Value = payload });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
