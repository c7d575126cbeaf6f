using Bot.Storage;
using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

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
/// Every call is scoped to one user id; the same calls serve <c>/schedule</c> and the language model's tools.
/// </summary>
public sealed class ScheduleService(BotDbContext db, NpgsqlDataSource dataSource, ScheduleTriggers triggers, IOptions<SchedulingOptions> options, TimeProvider clock)
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
        if (sourceKey is not null && await db.Set<Schedule>().AsNoTracking().SingleOrDefaultAsync(s => s.SourceKey == sourceKey, cancellationToken) is { } again)
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
        var count = await db.Set<Schedule>().CountAsync(s => s.UserId == userId, cancellationToken);
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
        db.Set<Schedule>().Add(schedule);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } && sourceKey is not null)
        {
            db.Entry(schedule).State = EntityState.Detached;
            return await CreateAsync(userId, conversationId, title, prompt, rule, sourceKey, cancellationToken);
        }
        await triggers.UpsertAsync(schedule, cancellationToken);
        return new ScheduleCreation(ViewOf(schedule, now), null);
    }

    public async Task<IReadOnlyList<ScheduleView>> ListAsync(Guid userId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var schedules = await db.Set<Schedule>().AsNoTracking().Where(s => s.UserId == userId).OrderBy(s => s.CreatedAt).ToListAsync(cancellationToken);
        return schedules.Select(s => ViewOf(s, now)).ToList();
    }

    /// <summary>One of the user's schedules, by its short code or full id; null when none (or more than one) matches.</summary>
    public async Task<Schedule?> FindAsync(Guid userId, string reference, CancellationToken cancellationToken)
    {
        reference = reference.Trim().TrimStart('#').ToLowerInvariant();
        if (Guid.TryParse(reference, out var id))
        {
            return await db.Set<Schedule>().AsNoTracking().SingleOrDefaultAsync(s => s.Id == id && s.UserId == userId, cancellationToken);
        }
        if (reference.Length < 4)
        {
            return null;
        }
        var matches = (await db.Set<Schedule>().AsNoTracking().Where(s => s.UserId == userId).ToListAsync(cancellationToken))
            .Where(s => s.Id.ToString("N").EndsWith(reference, StringComparison.Ordinal))
            .Take(2)
            .ToList();
        return matches.Count == 1 ? matches[0] : null;
    }

    public async Task<Schedule?> PauseAsync(Guid userId, Guid scheduleId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var changed = await db.Set<Schedule>().Where(s => s.Id == scheduleId && s.UserId == userId)
            .ExecuteUpdateAsync(u => u
                .SetProperty(s => s.Enabled, false)
                .SetProperty(s => s.PausedReason, "paused by you")
                .SetProperty(s => s.PauseNoticePending, false)
                .SetProperty(s => s.UpdatedAt, now), cancellationToken);
        if (changed == 0)
        {
            return null;
        }
        await triggers.RemoveAsync(scheduleId, cancellationToken);
        return await db.Set<Schedule>().AsNoTracking().SingleAsync(s => s.Id == scheduleId, cancellationToken);
    }

    /// <summary>Resumes from now on: occurrences missed while paused are not caught up.</summary>
    public async Task<ScheduleView?> ResumeAsync(Guid userId, Guid scheduleId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var changed = await db.Set<Schedule>().Where(s => s.Id == scheduleId && s.UserId == userId)
            .ExecuteUpdateAsync(u => u
                .SetProperty(s => s.Enabled, true)
                .SetProperty(s => s.PausedReason, (string?)null)
                .SetProperty(s => s.PauseNoticePending, false)
                .SetProperty(s => s.ConsecutiveFailures, 0)
                .SetProperty(s => s.LastFireAt, s => s.LastFireAt > now ? s.LastFireAt : now)
                .SetProperty(s => s.UpdatedAt, now), cancellationToken);
        if (changed == 0)
        {
            return null;
        }
        var schedule = await db.Set<Schedule>().AsNoTracking().SingleAsync(s => s.Id == scheduleId, cancellationToken);
        await triggers.UpsertAsync(schedule, cancellationToken);
        return ViewOf(schedule, now);
    }

    public async Task<bool> DeleteAsync(Guid userId, Guid scheduleId, CancellationToken cancellationToken)
    {
        var deleted = await db.Set<Schedule>().Where(s => s.Id == scheduleId && s.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        if (deleted > 0)
        {
            await triggers.RemoveAsync(scheduleId, cancellationToken);
        }
        return deleted > 0;
    }

    /// <summary>Schedules the service paused since the user last heard about it (one conversation's worth of news).</summary>
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
        command.Parameters.Add(new() { Value = (object?)reportedZone ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = withPauseNotices });
        var notices = new List<PauseNotice>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            notices.Add(new PauseNotice(reader.GetGuid(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }
        return notices;
    }

    public async Task ClearPauseNoticesAsync(IReadOnlyCollection<Guid> scheduleIds, CancellationToken cancellationToken) =>
        await db.Set<Schedule>().Where(s => scheduleIds.Contains(s.Id)).ExecuteUpdateAsync(u => u.SetProperty(s => s.PauseNoticePending, false), cancellationToken);

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

    private static DateTimeOffset TruncateToSecond(DateTimeOffset at) => new(at.Ticks - at.Ticks % TimeSpan.TicksPerSecond, at.Offset);
}

/// <summary>A paused schedule the user has not been told about yet.</summary>
public sealed record PauseNotice(Guid Id, string Title, string? PausedReason);
