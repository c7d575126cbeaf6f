using Bot.Channels.Access;
using Bot.Pipeline;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Bot.BotHost.Endpoints;

/// <summary>
/// <c>GET /api/status</c>, the operator's view (<c>./bot status</c> prints it): each channel's senders here and its
/// backlog, last undelivered reply and unreachable conversations; the inbox's backlog; schedules; today's and this
/// month's model usage. Owner only: it names volumes and errors, never message text.
/// </summary>
public static class StatusEndpoints
{
    public sealed record ChannelStatus(
        string Channel, bool EnabledHere, long PendingReplies, double? OldestPendingReplySeconds, DateTimeOffset? LastUndeliveredAt,
        string? LastUndeliveredStatus, string? LastUndeliveredError, long UnreachableConversations);

    public sealed record StatusDto(
        DateTimeOffset At, long PendingMessages, double? OldestPendingMessageSeconds, IReadOnlyList<ChannelStatus> Channels,
        long SchedulesEnabled, long SchedulesPaused, long ScheduleRunsQueued, long ModelTokensToday, decimal ModelCostTodayUsd,
        long ModelTokensThisMonth);

    public static IEndpointRouteBuilder MapStatusApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/status", StatusAsync).WithTags("Operator").RequireAuthorization(AccessPolicies.Owner)
            .WithSummary("The service's state for its operator: channels, backlogs, schedules and model usage.");
        return endpoints;
    }

    private static async Task<Ok<StatusDto>> StatusAsync(NpgsqlDataSource dataSource, IEnumerable<IChannelSender> senders, TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var enabled = senders.Select(s => s.Channel).ToHashSet(StringComparer.Ordinal);
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT count(*), min(received_at) FROM inbox WHERE status = 'Pending'"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT channel, count(*), min(created_at) FROM outbox WHERE status = 'Pending' GROUP BY channel"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            """
            SELECT DISTINCT ON (channel) channel, created_at, status, last_error
              FROM outbox WHERE status IN ('Failed', 'Expired', 'Unreachable')
             ORDER BY channel, created_at DESC
            """));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT channel, count(*) FROM conversations WHERE unreachable_since IS NOT NULL GROUP BY channel"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "SELECT count(*) FILTER (WHERE enabled), count(*) FILTER (WHERE NOT enabled), (SELECT count(*) FROM schedule_runs WHERE status = 'Queued') FROM schedules"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            """
            SELECT COALESCE(sum(input_tokens + output_tokens), 0)::bigint, COALESCE(sum(cost_usd), 0),
                   (SELECT COALESCE(sum(tokens), 0)::bigint FROM llm_usage_months WHERE month = date_trunc('month', $1 AT TIME ZONE 'UTC')::date)
              FROM llm_usage WHERE created_at >= date_trunc('day', $1 AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
            """)
        {
            Parameters = { new() { Value = now } },
        });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);

        await reader.ReadAsync(cancellationToken);
        var pending = reader.GetInt64(0);
        double? oldest = reader.IsDBNull(1) ? null : (now - reader.GetFieldValue<DateTimeOffset>(1)).TotalSeconds;

        await reader.NextResultAsync(cancellationToken);
        var backlog = new Dictionary<string, (long Count, DateTimeOffset Oldest)>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            backlog[reader.GetString(0)] = (reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2));
        }
        await reader.NextResultAsync(cancellationToken);
        var undelivered = new Dictionary<string, (DateTimeOffset At, string Status, string? Error)>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            undelivered[reader.GetString(0)] = (reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3));
        }
        await reader.NextResultAsync(cancellationToken);
        var unreachable = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            unreachable[reader.GetString(0)] = reader.GetInt64(1);
        }
        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var (schedulesOn, schedulesOff, runsQueued) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var (tokensToday, costToday, tokensMonth) = (reader.GetInt64(0), reader.GetDecimal(1), reader.GetInt64(2));

        var channels = enabled.Concat(backlog.Keys).Concat(undelivered.Keys).Concat(unreachable.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(channel => new ChannelStatus(
                channel,
                enabled.Contains(channel),
                backlog.TryGetValue(channel, out var b) ? b.Count : 0,
                backlog.TryGetValue(channel, out b) ? (now - b.Oldest).TotalSeconds : null,
                undelivered.TryGetValue(channel, out var u) ? u.At : null,
                undelivered.TryGetValue(channel, out u) ? u.Status : null,
                undelivered.TryGetValue(channel, out u) ? u.Error : null,
                unreachable.GetValueOrDefault(channel)))
            .ToList();
        return TypedResults.Ok(new StatusDto(now, pending, oldest, channels, schedulesOn, schedulesOff, runsQueued, tokensToday, costToday, tokensMonth));
    }
}
