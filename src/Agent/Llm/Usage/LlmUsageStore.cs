using Npgsql;

namespace Bot.Agent.Llm.Usage;

/// <summary>Token usage per model call (<c>llm_usage</c>) and the service's monthly total (<c>llm_usage_months</c>), in UTC days and months.</summary>
public sealed class LlmUsageStore(NpgsqlDataSource dataSource)
{
    /// <summary>Sums of calls; <paramref name="CostUsd"/> counts the priced calls only, <paramref name="UnpricedCalls"/> says how many had no price.</summary>
    public sealed record Totals(long InputTokens, long OutputTokens, decimal CostUsd, int Calls, int UnpricedCalls)
    {
        public long Tokens => InputTokens + OutputTokens;
    }

    public static DateTimeOffset DayStart(DateTimeOffset now) => new(now.UtcDateTime.Date, TimeSpan.Zero);

    public static DateOnly Month(DateTimeOffset now) => new(now.UtcDateTime.Year, now.UtcDateTime.Month, 1);

    /// <summary>One call: its row, and the month's total moved on, in one statement.</summary>
    public async Task RecordAsync(LlmCallScope? scope, string model, long inputTokens, long outputTokens, decimal? costUsd, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            WITH call AS (
                INSERT INTO llm_usage (id, user_id, thread_id, turn_id, model, purpose, input_tokens, output_tokens, cost_usd, created_at)
                SELECT $1, u.id, t.id, $4, $5, $6, $7, $8, $9, $10
                  FROM (SELECT 1) one
                  LEFT JOIN users u ON u.id = $2
                  LEFT JOIN threads t ON t.id = $3
                RETURNING 1)
            INSERT INTO llm_usage_months (month, tokens, cost_usd)
            SELECT $11, $7 + $8, COALESCE($9, 0) FROM call
            ON CONFLICT (month) DO UPDATE SET tokens = llm_usage_months.tokens + EXCLUDED.tokens,
                                              cost_usd = llm_usage_months.cost_usd + EXCLUDED.cost_usd
            """);
        command.Parameters.Add(new() { Value = Guid.CreateVersion7(at) });
        command.Parameters.Add(new() { Value = (object?)scope?.UserId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new() { Value = (object?)scope?.ThreadId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new() { Value = (object?)scope?.TurnId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new() { Value = model });
        command.Parameters.Add(new() { Value = scope?.Purpose ?? "service" });
        command.Parameters.Add(new() { Value = (int)Math.Min(inputTokens, int.MaxValue) });
        command.Parameters.Add(new() { Value = (int)Math.Min(outputTokens, int.MaxValue) });
        command.Parameters.Add(new() { Value = (object?)costUsd ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Numeric });
        command.Parameters.Add(new() { Value = at });
        command.Parameters.Add(new() { Value = Month(at) });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The tokens the person used since <paramref name="since"/>, and the service's total this month.</summary>
    public async Task<(long PersonTokens, long ServiceMonthTokens)> SpentAsync(Guid? userId, DateTimeOffset since, DateOnly month, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT (SELECT COALESCE(sum(input_tokens + output_tokens), 0)::bigint FROM llm_usage WHERE user_id = $1 AND created_at >= $2),
                   (SELECT COALESCE(tokens, 0) FROM llm_usage_months WHERE month = $3)
            """);
        command.Parameters.Add(new() { Value = (object?)userId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new() { Value = since });
        command.Parameters.Add(new() { Value = month });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.IsDBNull(1) ? 0 : reader.GetInt64(1));
    }

    /// <summary>The person's calls today and this month (UTC), in one pass over this month's rows.</summary>
    public async Task<(Totals Today, Totals Month)> PersonTotalsAsync(Guid userId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT COALESCE(sum(input_tokens) FILTER (WHERE created_at >= $3), 0)::bigint, COALESCE(sum(output_tokens) FILTER (WHERE created_at >= $3), 0)::bigint,
                   COALESCE(sum(cost_usd) FILTER (WHERE created_at >= $3), 0), (count(*) FILTER (WHERE created_at >= $3))::int,
                   (count(*) FILTER (WHERE created_at >= $3 AND cost_usd IS NULL))::int,
                   COALESCE(sum(input_tokens), 0)::bigint, COALESCE(sum(output_tokens), 0)::bigint,
                   COALESCE(sum(cost_usd), 0), count(*)::int, (count(*) - count(cost_usd))::int
              FROM llm_usage WHERE user_id = $1 AND created_at >= $2
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = new DateTimeOffset(Month(now).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) });
        command.Parameters.Add(new() { Value = DayStart(now) });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (new Totals(reader.GetInt64(0), reader.GetInt64(1), reader.GetDecimal(2), reader.GetInt32(3), reader.GetInt32(4)),
                new Totals(reader.GetInt64(5), reader.GetInt64(6), reader.GetDecimal(7), reader.GetInt32(8), reader.GetInt32(9)));
    }
}
