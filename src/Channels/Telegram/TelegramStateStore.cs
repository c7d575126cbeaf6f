using Npgsql;

namespace Bot.Channels.Telegram;

/// <summary>The channel's small persistent state (the polling offset) in <c>channel_state</c>.</summary>
public sealed class TelegramStateStore(NpgsqlDataSource dataSource)
{
    private const string OffsetKey = "telegram:offset";

    public async Task<long?> GetOffsetAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT value FROM channel_state WHERE key = $1");
        command.Parameters.Add(new() { Value = OffsetKey });
        return await command.ExecuteScalarAsync(cancellationToken) is string value && long.TryParse(value, out var offset) ? offset : null;
    }

    /// <summary>Only moves forward, so a slow writer never takes the offset back.</summary>
    public async Task SaveOffsetAsync(long offset, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO channel_state (key, value, updated_at) VALUES ($1, $2, now())
            ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()
            WHERE channel_state.value::bigint < EXCLUDED.value::bigint
            """);
        command.Parameters.Add(new() { Value = OffsetKey });
        command.Parameters.Add(new() { Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
