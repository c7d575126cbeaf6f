using Npgsql;

namespace Bot.Pipeline.Threads;

/// <summary>
/// Writes what the agent learns about a thread after a turn: its title and its rolling summary. Plain SQL through
/// Npgsql like every other access to the pipeline's tables; both updates are guarded so a late or repeated writer
/// never overwrites a newer value.
/// </summary>
public sealed class ThreadMetadataWriter(NpgsqlDataSource dataSource)
{
    /// <summary>Names the thread unless it already has a title.</summary>
    public async Task SetTitleIfUnsetAsync(Guid threadId, string title, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE threads SET title = $2 WHERE id = $1 AND title IS NULL");
        command.Parameters.Add(new() { Value = threadId });
        command.Parameters.Add(new() { Value = title });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Stores a summary covering events up to <paramref name="through"/>, unless a summary reaching as far is already stored.</summary>
    public async Task SaveSummaryAsync(Guid threadId, string summary, DateTimeOffset through, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE threads SET summary = $2, summary_through = $3 WHERE id = $1 AND (summary_through IS NULL OR summary_through < $3)");
        command.Parameters.Add(new() { Value = threadId });
        command.Parameters.Add(new() { Value = summary });
        command.Parameters.Add(new() { Value = through });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
