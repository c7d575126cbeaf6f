using Npgsql;
using static Bot.Pipeline.Sql;

namespace Bot.Strategies;

/// <summary>A <c>strategies</c> row.</summary>
public sealed record Strategy(
    Guid Id, Guid UserId, Guid ConversationId, StrategySpec Spec, string Title, bool Enabled, DateTimeOffset CreatedAt,
    DateTimeOffset NextEvalAt, DateTimeOffset? DueAt, bool Armed, DateOnly? RefDay, decimal? RefPrice,
    DateTimeOffset? LastEvalAt, string? LastEvalNote, string? LastOutcome, DateTimeOffset? LastOutcomeAt, string? LastPlan, Guid? LastThreadId)
{
    /// <summary>The short code people type: the last six hex digits of the id (its random part).</summary>
    public string Code => StrategyStore.CodeOf(Id);
}

/// <summary>What creating an instruction came to: the instruction, or why not (in words for the user).</summary>
public sealed record StrategyCreation(Strategy? Created, string? Error);

/// <summary>
/// The <c>strategies</c> table's door for people's requests: create, list, find, pause, resume, delete, and the outcome
/// a firing's turn records. SQL-only, like the schedules: the evaluator locks a row and records its firing through the
/// inbox in one transaction (see <see cref="StrategyEvaluator"/>). Every call is scoped to one user id.
/// </summary>
public sealed class StrategyStore(NpgsqlDataSource dataSource, TimeProvider clock)
{
    public const string Columns =
        """
        s.id, s.user_id, s.conversation_id, s.spec::text, s.title, s.enabled, s.created_at, s.next_eval_at, s.due_at, s.armed,
        s.ref_day, s.ref_price, s.last_eval_at, s.last_eval_note, s.last_outcome, s.last_outcome_at, s.last_plan, s.last_thread_id
        """;

    public const int Count = 18;

    public static string CodeOf(Guid id) => id.ToString("N")[^6..];

    /// <summary>When a new (or resumed) instruction is first looked at, and the due time of its first occurrence.</summary>
    public static (DateTimeOffset NextEval, DateTimeOffset? Due) FirstEvaluation(StrategySpec spec, DateTimeOffset now) => spec.Kind switch
    {
        StrategyKind.Alert => (now, null),
        StrategyKind.Dca => MarketCalendar.NextDue(spec.Dca!, now) is var due ? (due, due) : default,
        _ => MarketCalendar.NextRebalanceCheck(now) is var check ? (check, check) : default,
    };

    public async Task<StrategyCreation> CreateAsync(Guid userId, Guid conversationId, StrategySpec spec, string? sourceKey, int maxPerUser, CancellationToken cancellationToken)
    {
        if (sourceKey is not null && await SingleAsync(Command(dataSource, $"SELECT {Columns} FROM strategies s WHERE s.source_key = $1", sourceKey), cancellationToken) is { } again)
        {
            // The turn that created it is running again (after a crash).
            return new StrategyCreation(again, null);
        }
        await using (var counting = Command(dataSource, "SELECT count(*)::int FROM strategies WHERE user_id = $1", userId))
        {
            if ((int)(await counting.ExecuteScalarAsync(cancellationToken))! >= maxPerUser)
            {
                return new StrategyCreation(null, $"You have {maxPerUser} standing instructions, the most allowed; delete one first (`/strategies`).");
            }
        }
        var now = clock.GetUtcNow();
        var (next, due) = FirstEvaluation(spec, now);
        var created = await SingleAsync(Command(dataSource,
            $"""
            INSERT INTO strategies AS s (id, user_id, conversation_id, kind, title, spec, source_key, created_at, updated_at, next_eval_at, due_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10)
            ON CONFLICT (source_key) DO NOTHING
            RETURNING {Columns}
            """,
            Guid.CreateVersion7(now), userId, conversationId, spec.Kind.ToString(), spec.Title, Jsonb(spec.ToJson()), sourceKey, now, next, due), cancellationToken);
        return created is not null
            ? new StrategyCreation(created, null)
            : new StrategyCreation(await SingleAsync(Command(dataSource, $"SELECT {Columns} FROM strategies s WHERE s.source_key = $1", sourceKey), cancellationToken), null);
    }

    public async Task<IReadOnlyList<Strategy>> ListAsync(Guid userId, CancellationToken cancellationToken) =>
        await AllAsync(Command(dataSource, $"SELECT {Columns} FROM strategies s WHERE s.user_id = $1 ORDER BY s.created_at", userId), cancellationToken);

    /// <summary>One of the user's instructions by its code (or full id); null when the user has none such.</summary>
    public async Task<Strategy?> FindAsync(Guid userId, string code, CancellationToken cancellationToken)
    {
        code = code.Trim().TrimStart('#').ToLowerInvariant();
        if (Guid.TryParse(code, out var id))
        {
            return await SingleAsync(Command(dataSource, $"SELECT {Columns} FROM strategies s WHERE s.user_id = $1 AND s.id = $2", userId, id), cancellationToken);
        }
        if (code.Length != 6 || !code.All(Uri.IsHexDigit))
        {
            return null;
        }
        var found = await AllAsync(Command(dataSource, $"SELECT {Columns} FROM strategies s WHERE s.user_id = $1 AND right(replace(s.id::text, '-', ''), 6) = $2", userId, code), cancellationToken);
        return found.Count == 1 ? found[0] : null;
    }

    /// <summary>Pauses or resumes; a resumed instruction starts from now (missed occurrences are not caught up) and an alert re-arms.</summary>
    public async Task<Strategy?> SetEnabledAsync(Guid userId, Guid id, bool enabled, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var current = await SingleAsync(Command(dataSource, $"SELECT {Columns} FROM strategies s WHERE s.user_id = $1 AND s.id = $2", userId, id), cancellationToken);
        if (current is null)
        {
            return null;
        }
        var (next, due) = FirstEvaluation(current.Spec, now);
        return await SingleAsync(Command(dataSource,
            $"""
            UPDATE strategies AS s SET enabled = $3, updated_at = $4,
                next_eval_at = CASE WHEN $3 AND NOT s.enabled THEN $5 ELSE s.next_eval_at END,
                due_at = CASE WHEN $3 AND NOT s.enabled THEN $6 ELSE s.due_at END,
                armed = CASE WHEN $3 AND NOT s.enabled THEN true ELSE s.armed END,
                last_eval_note = CASE WHEN $3 THEN s.last_eval_note ELSE 'Paused by you.' END
            WHERE s.user_id = $1 AND s.id = $2
            RETURNING {Columns}
            """, userId, id, enabled, now, next, (object?)due ?? DBNull.Value), cancellationToken);
    }

    public async Task<bool> DeleteAsync(Guid userId, Guid id, CancellationToken cancellationToken)
    {
        await using var command = Command(dataSource, "DELETE FROM strategies WHERE user_id = $1 AND id = $2", userId, id);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>What a run (a firing's turn, or a person's <c>now</c>) came to.</summary>
    public async Task RecordOutcomeAsync(Guid id, string outcome, string? planShortId, Guid? threadId, CancellationToken cancellationToken)
    {
        await using var command = Command(dataSource,
            """
            UPDATE strategies SET last_outcome = $2, last_outcome_at = $3, last_plan = $4, last_thread_id = COALESCE($5, last_thread_id), updated_at = $3
            WHERE id = $1
            """, id, outcome, clock.GetUtcNow(), planShortId, threadId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static Strategy Read(NpgsqlDataReader reader, int first = 0)
    {
        var spec = StrategySpec.FromJson(reader.GetString(first + 3));
        return new Strategy(
            reader.GetGuid(first), reader.GetGuid(first + 1), reader.GetGuid(first + 2), spec, reader.GetString(first + 4), reader.GetBoolean(first + 5),
            reader.GetFieldValue<DateTimeOffset>(first + 6), reader.GetFieldValue<DateTimeOffset>(first + 7),
            reader.IsDBNull(first + 8) ? null : reader.GetFieldValue<DateTimeOffset>(first + 8), reader.GetBoolean(first + 9),
            reader.IsDBNull(first + 10) ? null : reader.GetFieldValue<DateOnly>(first + 10),
            reader.IsDBNull(first + 11) ? null : reader.GetDecimal(first + 11),
            reader.IsDBNull(first + 12) ? null : reader.GetFieldValue<DateTimeOffset>(first + 12),
            reader.IsDBNull(first + 13) ? null : reader.GetString(first + 13),
            reader.IsDBNull(first + 14) ? null : reader.GetString(first + 14),
            reader.IsDBNull(first + 15) ? null : reader.GetFieldValue<DateTimeOffset>(first + 15),
            reader.IsDBNull(first + 16) ? null : reader.GetString(first + 16),
            reader.IsDBNull(first + 17) ? null : reader.GetGuid(first + 17));
    }

    private static async Task<Strategy?> SingleAsync(NpgsqlCommand command, CancellationToken cancellationToken) =>
        (await AllAsync(command, cancellationToken)).SingleOrDefault();

    private static async Task<List<Strategy>> AllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using (command)
        {
            var list = new List<Strategy>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                list.Add(Read(reader));
            }
            return list;
        }
    }
}
