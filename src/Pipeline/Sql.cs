using Npgsql;
using NpgsqlTypes;

namespace Bot.Pipeline;

/// <summary>Small helpers for hand-written SQL batches.</summary>
public static partial class Sql
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

    /// <summary>A command that runs on a connection of its own from the pool, with positional parameters as in <see cref="Command(string, object?[])"/>.</summary>
    public static NpgsqlCommand Command(NpgsqlDataSource dataSource, string sql, params object?[] values)
    {
        var command = dataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value ?? DBNull.Value });
        }
        return command;
    }

    public static NpgsqlParameter Jsonb(string json) => new() { Value = WithoutNul(json), NpgsqlDbType = NpgsqlDbType.Jsonb };

    /// <summary>
    /// PostgreSQL cannot store U+0000 in text or jsonb and refuses the whole statement; JSON written by System.Text.Json
    /// escapes it as <c>\u0000</c>, which this turns into U+FFFD (an escaped backslash followed by "u0000" is left alone).
    /// </summary>
    public static string WithoutNul(string json) =>
        json.Contains("\\u0000", StringComparison.Ordinal) ? EscapedNul().Replace(json, "\\uFFFD") : json;

    [System.Text.RegularExpressions.GeneratedRegex(@"(?<=(?:^|[^\\])(?:\\\\)*)\\u0000")]
    private static partial System.Text.RegularExpressions.Regex EscapedNul();
}
