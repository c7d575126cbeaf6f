using Bot.Storage.Entities;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using static Bot.Pipeline.Sql;

namespace Bot.Scheduling;

/// <summary>A schedule as the user sees it: the row, its rule, and when it runs next.</summary>
public sealed record ScheduleView(Schedule Schedule, ScheduleRule Rule, DateTimeOffset? NextRun)
{
    public string Code => ScheduleService.CodeOf(Schedule.Id);
}

/// <summary>What creating a schedule came to: the schedule, or why not (in words for the user).</summary>
public sealed record ScheduleCreation(ScheduleView? Created, string? Error);

/// <summary>
/// Creates, lists, pauses, resumes and deletes a user's schedules: the row first (the truth), then Quartz's trigger.
/// Every call is scoped to one user id; the same calls serve <c>/schedule</c> and the language model's tools. The
/// schedules table is SQL-only (see <see cref="ScheduleRows"/>), so these are plain statements through Npgsql too.
/// </summary>
public sealed class ScheduleService(NpgsqlDataSource dataSource, ScheduleTriggers triggers, IOptions<SchedulingOptions> options, TimeProvider clock)
{
    private readonly SchedulingOptions settings = options.Value;

    /// <summary>The short code <c>/schedules</c> shows: the last six hex digits of the id (its random part).</summary>
    public static string CodeOf(Guid id) => id.ToString("N")[^6..];

    /// <summary>Prompts a schedule may not run: <c>/new</c> would move the conversation's current thread, <c>/schedule</c> would breed schedules.</summary>
    public static string? RefusePrompt(string prompt)
    {
        var command = prompt.TrimStart().Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.ToLowerInvariant();
        return command switch
        {
            "/new" => "A schedule cannot run `/new`: each run already gets a thread of its own.",
            "/schedule" => "A schedule cannot create schedules.",
            _ => null,
        };
    }

    public async Task<ScheduleCreation> CreateAsync(
        Guid userId, Guid conversationId, string title, string prompt, ScheduleRule rule, string? sourceKey, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        title = title.Trim();
        prompt = prompt.Trim();
        if (sourceKey is not null && await SingleOrDefaultAsync(Command(dataSource, $"SELECT {ScheduleRows.Columns} FROM schedules s WHERE s.source_key = $1", sourceKey), cancellationToken) is { } again)
        {
            // The turn that created it is running again (after a crash): the schedule exists; make sure its trigger does.
            await triggers.UpsertAsync(again, cancellationToken);
            return new ScheduleCreation(ViewOf(again, now), null);
        }
        if (title.Length == 0 || prompt.Length == 0)
        {
            return new ScheduleCreation(null, "A schedule needs a title and something to send.");
        }
        if (title.Length > ScheduleParser.MaxTitleLength || prompt.Length > ScheduleParser.MaxPromptLength)
        {
            return new ScheduleCreation(null, $"Keep the title under {ScheduleParser.MaxTitleLength} characters and what to send under {ScheduleParser.MaxPromptLength}.");
        }
        if (RefusePrompt(prompt) is { } refusal)
        {
            return new ScheduleCreation(null, refusal);
        }
        if (rule.NextAfter(now, now) is null)
        {
            return new ScheduleCreation(null, $"The rule {rule.Description} never fires again.");
        }
        if (rule.ShortestGap(now) is { } gap && gap < settings.MinInterval)
        {
            return new ScheduleCreation(null, $"That would send a message every {ScheduleFiring.Describe(gap)}; the shortest interval allowed is {ScheduleFiring.Describe(settings.MinInterval)}.");
        }
        int count;
        await using (var counting = Command(dataSource, "SELECT count(*)::int FROM schedules WHERE user_id = $1", userId))
        {
            count = (int)(await counting.ExecuteScalarAsync(cancellationToken))!;
        }
        if (count >= settings.MaxPerUser)
        {
            return new ScheduleCreation(null, $"You already have {count} schedules, the most allowed. Delete one first (`/schedules` lists them).");
        }

        var schedule = new Schedule
        {
            UserId = userId,
            ConversationId = conversationId,
            Title = title,
            Prompt = prompt,
            Cron = rule.Cron,
            IntervalSeconds = rule.Interval is { } interval ? checked((int)interval.TotalSeconds) : null,
            TimeZone = rule.ZoneId,
            Description = rule.Description,
            // An interval counts from its first run, on a whole second; a cron rule counts from now.
            StartsAt = rule.Interval is { } step ? TruncateToSecond(now) + step : now,
            SourceKey = sourceKey,
            CreatedAt = now,
            UpdatedAt = now,
        };
        // A null source key never conflicts; a taken one means the same turn, re-run, got here first: take its schedule.
        await using (var insert = Command(dataSource,
            """
            INSERT INTO schedules (id, user_id, conversation_id, title, prompt, cron, interval_seconds, time_zone, description, starts_at, source_key, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
            ON CONFLICT (source_key) DO NOTHING
            """,
            schedule.Id, userId, conversationId, title, prompt, Text(schedule.Cron), new NpgsqlParameter { Value = (object?)schedule.IntervalSeconds ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer },
            schedule.TimeZone, schedule.Description, schedule.StartsAt, Text(sourceKey), now))
        {
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return await CreateAsync(userId, conversationId, title, prompt, rule, sourceKey, cancellationToken);
            }
        }
        await triggers.UpsertAsync(schedule, cancellationToken);
        return new ScheduleCreation(ViewOf(schedule, now), null);
    }

    public async Task<IReadOnlyList<ScheduleView>> ListAsync(Guid userId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var command = Command(dataSource, $"SELECT {ScheduleRows.Columns} FROM schedules s WHERE s.user_id = $1 ORDER BY s.created_at", userId);
        var schedules = await ScheduleRows.ReadAllAsync(command, cancellationToken);
        return schedules.Select(s => ViewOf(s, now)).ToList();
    }

    /// <summary>One of the user's schedules, by its short code or full id; null when none (or more than one) matches.</summary>
    public async Task<Schedule?> FindAsync(Guid userId, string reference, CancellationToken cancellationToken)
    {
        reference = reference.Trim().TrimStart('#').ToLowerInvariant();
        if (Guid.TryParse(reference, out var id))
        {
            return await SingleOrDefaultAsync(Command(dataSource, $"SELECT {ScheduleRows.Columns} FROM schedules s WHERE s.id = $1 AND s.user_id = $2", id, userId), cancellationToken);
        }
        if (reference.Length < 4)
        {
            return null;
        }
        await using var command = Command(dataSource, $"SELECT {ScheduleRows.Columns} FROM schedules s WHERE s.user_id = $1", userId);
        var matches = (await ScheduleRows.ReadAllAsync(command, cancellationToken))
            .Where(s => s.Id.ToString("N").EndsWith(reference, StringComparison.Ordinal))
            .Take(2)
            .ToList();
        return matches.Count == 1 ? matches[0] : null;
    }

    public async Task<Schedule?> PauseAsync(Guid userId, Guid scheduleId, CancellationToken cancellationToken)
    {
        var paused = await SingleOrDefaultAsync(Command(dataSource,
            $"""
            UPDATE schedules s SET enabled = false, paused_reason = 'paused by you', pause_notice_pending = false, updated_at = $3
            WHERE s.id = $1 AND s.user_id = $2
            RETURNING {ScheduleRows.Columns}
            """, scheduleId, userId, clock.GetUtcNow()), cancellationToken);
        if (paused is null)
        {
            return null;
        }
        await triggers.RemoveAsync(scheduleId, cancellationToken);
        return paused;
    }

    /// <summary>Resumes from now on: occurrences missed while paused are not caught up.</summary>
    public async Task<ScheduleView?> ResumeAsync(Guid userId, Guid scheduleId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        // GREATEST ignores a null: a schedule that never fired counts from now.
        var schedule = await SingleOrDefaultAsync(Command(dataSource,
            $"""
            UPDATE schedules s SET enabled = true, paused_reason = NULL, pause_notice_pending = false, consecutive_failures = 0,
                last_fire_at = GREATEST(s.last_fire_at, $3), updated_at = $3
            WHERE s.id = $1 AND s.user_id = $2
            RETURNING {ScheduleRows.Columns}
            """, scheduleId, userId, now), cancellationToken);
        if (schedule is null)
        {
            return null;
        }
        await triggers.UpsertAsync(schedule, cancellationToken);
        return ViewOf(schedule, now);
    }

    public async Task<bool> DeleteAsync(Guid userId, Guid scheduleId, CancellationToken cancellationToken)
    {
        await using var command = Command(dataSource, "DELETE FROM schedules WHERE id = $1 AND user_id = $2", scheduleId, userId);
        var deleted = await command.ExecuteNonQueryAsync(cancellationToken);
        if (deleted > 0)
        {
            await triggers.RemoveAsync(scheduleId, cancellationToken);
        }
        return deleted > 0;
    }

    /// <summary>
    /// What a person's turn needs from scheduling, in one round trip (it runs on every turn): remembers the zone the
    /// channel reports when the user has none yet, and returns the paused schedules not yet announced (when
    /// <paramref name="withPauseNotices"/>).
    /// </summary>
    public async Task<IReadOnlyList<PauseNotice>> BeforeTurnAsync(Guid userId, string? reportedZone, bool withPauseNotices, CancellationToken cancellationToken)
    {
        if (reportedZone is null && !withPauseNotices)
        {
            return [];
        }
        await using var command = dataSource.CreateCommand(
            """
            WITH zone AS (UPDATE users SET time_zone = $2 WHERE id = $1 AND time_zone IS NULL AND $2::text IS NOT NULL)
            SELECT id, title, paused_reason FROM schedules
            WHERE $3 AND user_id = $1 AND pause_notice_pending
            ORDER BY created_at
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = (object?)reportedZone ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = withPauseNotices });
        var notices = new List<PauseNotice>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            notices.Add(new PauseNotice(reader.GetGuid(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }
        return notices;
    }

    public async Task ClearPauseNoticesAsync(IReadOnlyCollection<Guid> scheduleIds, CancellationToken cancellationToken)
    {
        await using var command = Command(dataSource, "UPDATE schedules SET pause_notice_pending = false WHERE id = ANY($1)", scheduleIds.ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<string?> TimeZoneOfAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT time_zone FROM users WHERE id = $1");
        command.Parameters.Add(new() { Value = userId });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>Remembers the user's zone; <paramref name="onlyIfUnknown"/> keeps one the user chose over what a channel reports.</summary>
    public async Task RememberTimeZoneAsync(Guid userId, string ianaId, bool onlyIfUnknown, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE users SET time_zone = $2 WHERE id = $1 AND (NOT $3 OR time_zone IS NULL)");
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = ianaId });
        command.Parameters.Add(new() { Value = onlyIfUnknown });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static ScheduleView ViewOf(Schedule schedule, DateTimeOffset now)
    {
        var rule = ScheduleRule.For(schedule);
        var from = schedule.LastFireAt is { } last && last > now ? last : now;
        return new ScheduleView(schedule, rule, schedule.Enabled ? rule.NextAfter(from, schedule.StartsAt) : null);
    }

    /// <summary>Runs a command that selects or returns at most one schedule (it is disposed here).</summary>
    private static async Task<Schedule?> SingleOrDefaultAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using (command)
        {
            return (await ScheduleRows.ReadAllAsync(command, cancellationToken)).SingleOrDefault();
        }
    }

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    private static DateTimeOffset TruncateToSecond(DateTimeOffset at) => new(at.Ticks - at.Ticks % TimeSpan.TicksPerSecond, at.Offset);
}

/// <summary>A paused schedule the user has not been told about yet.</summary>
public sealed record PauseNotice(Guid Id, string Title, string? PausedReason);
