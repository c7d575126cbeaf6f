using Npgsql;
using NpgsqlTypes;

namespace Bot.Agent.Pipeline;

/// <summary>Small helpers for hand-written SQL batches.</summary>
internal static class Sql
{
    /// <summary>A batch command with positional parameters ($1, $2, …); null becomes SQL NULL.</summary>
    public static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value ?? DBNull.Value });
        }
        return command;
    }

    public static NpgsqlParameter Jsonb(string json) => new() { Value = json, NpgsqlDbType = NpgsqlDbType.Jsonb };
}
