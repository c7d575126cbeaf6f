using Npgsql;

namespace Bot.Channels.Slack;

/// <summary>
/// Who pressed the button a turn answers: the reply to a button press (a refusal, "already done") is shown to that
/// person alone, while the card itself is updated for everyone.
/// </summary>
public sealed class SlackActionUsers(NpgsqlDataSource db)
{
    /// <summary>The Slack user id of the clicker when <paramref name="turnId"/> is a button press on Slack; null otherwise.</summary>
    public async Task<string?> ClickerOfAsync(Guid turnId, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(
            "SELECT payload->'from'->>'platformUserId' FROM inbox WHERE id = $1 AND channel = $2 AND jsonb_typeof(payload->'action') = 'object'");
        command.Parameters.Add(new() { Value = turnId });
        command.Parameters.Add(new() { Value = SlackMapper.Channel });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }
}
