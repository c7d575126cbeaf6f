using System.Globalization;
using Bot.Finance.Broker;
using Bot.Finance.Trading;
using Bot.Pipeline;
using Bot.Pipeline.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using static Bot.Pipeline.Sql;

namespace Bot.Strategies;

/// <summary>What one evaluation of one instruction did.</summary>
public enum EvaluationOutcome { Checked, Fired, Skipped, Waiting, Failed }

/// <summary>
/// Evaluates the instructions that are due, without anyone in the chat. Each is taken under its row lock
/// (<c>FOR UPDATE SKIP LOCKED</c>, so replicas share the work and never take the same row), evaluated, and its next
/// evaluation written in the same transaction that records a firing through the inbox (a message <c>/strategies run
/// CODE</c> in a new thread titled after the instruction; its event id is the instruction and the occurrence, so even
/// two replicas that both got that far would record it once). A replica killed in the middle commits nothing: the row
/// is due again and the next tick, on whichever replica, evaluates it. The firing's turn (<see cref="StrategyRunner"/>)
/// writes the report and proposes the plan; nothing trades until the owner approves it.
/// </summary>
public sealed partial class StrategyEvaluator(
    NpgsqlDataSource dataSource,
    IServiceScopeFactory scopes,
    InboxRecorder inbox,
    PipelineSignals signals,
    TimeProvider clock,
    IOptions<StrategiesOptions> options,
    ILogger<StrategyEvaluator> logger)
{
    public const string EventIdPrefix = "strategy:";
    private const int MaxPerTick = 500;

    public static string EventIdFor(Guid strategyId, DateTimeOffset occurrence) =>
        EventIdPrefix + strategyId.ToString("N") + ":" + occurrence.UtcDateTime.ToString("yyyyMMdd'T'HHmmss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Evaluates every instruction due now (at most <see cref="MaxPerTick"/>); returns what each came to.</summary>
    public async Task<IReadOnlyList<(Guid Id, EvaluationOutcome Outcome)>> EvaluateDueAsync(string evaluatedBy, CancellationToken cancellationToken)
    {
        var done = new List<(Guid, EvaluationOutcome)>();
        var seen = new HashSet<Guid>();
        while (done.Count < MaxPerTick && !cancellationToken.IsCancellationRequested)
        {
            var result = await EvaluateNextAsync(seen, evaluatedBy, cancellationToken);
            if (result is null)
            {
                break;
            }
            done.Add(result.Value);
        }
        return done;
    }

    private async Task<(Guid, EvaluationOutcome)?> EvaluateNextAsync(HashSet<Guid> seen, string evaluatedBy, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        Strategy strategy;
        Delivery delivery;
        await using (var command = new NpgsqlCommand(
            $"""
            SELECT {StrategyStore.Columns}, c.channel, c.address, c.is_group,
                   (SELECT i.platform_user_id FROM channel_identities i
                    WHERE i.user_id = s.user_id AND i.channel = c.channel ORDER BY i.created_at LIMIT 1)
            FROM strategies s JOIN conversations c ON c.id = s.conversation_id
            WHERE s.enabled AND s.next_eval_at <= $1 AND NOT (s.id = ANY($2))
            ORDER BY s.next_eval_at
            LIMIT 1
            FOR UPDATE OF s SKIP LOCKED
            """, connection, transaction))
        {
            command.Parameters.Add(new() { Value = now });
            command.Parameters.Add(new() { Value = seen.ToArray() });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }
            strategy = StrategyStore.Read(reader);
            const int first = StrategyStore.Count;
            delivery = new Delivery(reader.GetString(first), reader.GetString(first + 1), reader.GetBoolean(first + 2), reader.IsDBNull(first + 3) ? null : reader.GetString(first + 3));
        }
        seen.Add(strategy.Id);

        Step step;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            step = await DecideAsync(scope.ServiceProvider, strategy, now, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogFailed(logger, exception, strategy.Id);
            var retry = now.AddSeconds(options.Value.AlertIntervalSeconds);
            step = new Step(EvaluationOutcome.Failed, $"Failed: {exception.Message}", Outcome: $"Failed: {exception.Message}", retry, strategy.DueAt, strategy.Armed, strategy.RefDay, strategy.RefPrice, Occurrence: null);
        }

        Guid? threadId = null;
        if (step.Occurrence is { } occurrence)
        {
            var message = new IncomingMessage
            {
                Address = new ConversationAddress(delivery.Channel, delivery.Address),
                EventId = EventIdFor(strategy.Id, occurrence),
                From = new Sender(delivery.PlatformUserId ?? EventIdPrefix + strategy.UserId.ToString("N"), strategy.Title),
                Text = StrategiesCommand.RunText(strategy),
                IsGroup = delivery.IsGroup,
                Timestamp = occurrence,
            };
            var recorded = await inbox.RecordScheduledAsync(connection, transaction, message, new ScheduledRun(strategy.UserId, strategy.ConversationId, strategy.Title), cancellationToken);
            if (recorded.Duplicate)
            {
                // Recorded before (by another replica, or before a crash that lost only the row's update).
                step = step with { Kind = EvaluationOutcome.Checked, Outcome = null, Note = step.Note + " (already recorded)" };
            }
            else
            {
                threadId = recorded.ThreadId;
            }
        }

        await using (var update = new NpgsqlCommand(
            """
            UPDATE strategies SET next_eval_at = $2, due_at = $3, armed = $4, ref_day = $5, ref_price = $6, last_eval_at = $7, last_eval_note = $8,
                last_outcome = COALESCE($9, last_outcome), last_outcome_at = CASE WHEN $9 IS NULL THEN last_outcome_at ELSE $7 END,
                last_plan = CASE WHEN $9 IS NULL THEN last_plan ELSE NULL END,
                last_thread_id = COALESCE($10, last_thread_id)
            WHERE id = $1
            """, connection, transaction))
        {
            foreach (var value in new object?[] { strategy.Id, step.NextEval, step.Due, step.Armed, step.RefDay, step.RefPrice, now, step.Note, step.Outcome, threadId })
            {
                update.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
            }
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        if (threadId is not null)
        {
            signals.Inbox.Set();
            LogFired(logger, strategy.Id, evaluatedBy);
        }
        return (strategy.Id, step.Kind);
    }

    /// <summary>What this evaluation does: the outcome, the note, the row's next state and, for a firing, the occurrence.</summary>
    private async Task<Step> DecideAsync(IServiceProvider services, Strategy strategy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var trading = services.GetRequiredService<IOptions<TradingOptions>>().Value;
        var broker = services.GetRequiredService<IBrokerProvider>();
        var spec = strategy.Spec;
        var interval = TimeSpan.FromSeconds(settings.AlertIntervalSeconds);
        var keep = new Step(EvaluationOutcome.Checked, "", null, now + interval, strategy.DueAt, strategy.Armed, strategy.RefDay, strategy.RefPrice, null);

        if (trading.KillSwitch)
        {
            const string why = "Skipped: the kill switch is on (Trading:KillSwitch), which pauses every instruction.";
            return spec.Kind == StrategyKind.Alert
                ? keep with { Kind = EvaluationOutcome.Skipped, Note = why, Outcome = strategy.LastOutcome == why ? null : why }
                : Advance(keep, spec, strategy.DueAt ?? now) with { Kind = EvaluationOutcome.Skipped, Note = why, Outcome = why };
        }
        var open = (settings.PaperAlwaysOpen && broker.IsPaper) || MarketCalendar.IsOpen(now);
        if (!open)
        {
            var at = MarketCalendar.NextOpen(now);
            return keep with { Kind = EvaluationOutcome.Waiting, NextEval = at, Note = $"The market is closed; next look at the open ({at.UtcDateTime:yyyy-MM-dd HH:mm} UTC)." };
        }

        switch (spec.Kind)
        {
            case StrategyKind.Alert:
            {
                var alert = spec.Alert!;
                var price = Last(await broker.GetQuoteAsync(alert.Symbol, cancellationToken), alert.Symbol);
                var today = MarketCalendar.TradingDay(now);
                var (refDay, refPrice, armed) = (strategy.RefDay, strategy.RefPrice, strategy.Armed);
                if (alert.Condition == AlertCondition.Moves && refDay != today)
                {
                    // A new trading day: its first price is the open the move is measured from, and the alert re-arms.
                    (refDay, refPrice, armed) = (today, price, true);
                }
                var check = AlertRule.Check(alert, armed, price, refPrice, settings.HysteresisPercent);
                var note = Inv($"Checked: {alert.Symbol} at {price:0.00}") + (check.MovePercent is { } move ? Inv($" ({move:+0.00;-0.00}% from {refPrice:0.00})") : "") +
                    (check.Fires ? "; fired." : check.Armed ? "." : "; already fired for this crossing, waiting for the price to come back.");
                return keep with
                {
                    Kind = check.Fires ? EvaluationOutcome.Fired : EvaluationOutcome.Checked,
                    Note = note,
                    Outcome = check.Fires ? Inv($"Fired: {alert.Symbol} at {price:0.00} ({now.UtcDateTime:yyyy-MM-dd HH:mm} UTC)") : null,
                    Armed = check.Armed,
                    RefDay = refDay,
                    RefPrice = refPrice,
                    Occurrence = check.Fires ? now : null,
                };
            }
            case StrategyKind.Dca:
            {
                var due = strategy.DueAt ?? now;
                return Advance(keep, spec, due) with { Kind = EvaluationOutcome.Fired, Note = "Due: proposing the buy.", Outcome = "Fired: proposing the buy", Occurrence = due };
            }
            default:
            {
                var due = strategy.DueAt ?? now;
                var runner = services.GetRequiredService<StrategyRunner>();
                var proposal = await runner.SolveAsync(strategy.UserId, spec.Rebalance!, cancellationToken);
                var largest = proposal.Table.Count == 0 ? 0 : proposal.Table.Max(r => Math.Abs(r.Drift));
                if (proposal.InToleranceNow || proposal.Orders.Count == 0 && proposal.Table.All(r => r.Shares == 0))
                {
                    var why = proposal.InToleranceNow
                        ? Inv($"Checked: every weight is inside the tolerance (largest drift {largest:0.0} pts).")
                        : "Checked: you hold none of these symbols yet.";
                    return Advance(keep, spec, due) with { Note = why, Outcome = why };
                }
                return Advance(keep, spec, due) with
                {
                    Kind = EvaluationOutcome.Fired,
                    Note = Inv($"Out of tolerance (largest drift {largest:0.0} pts): proposing orders."),
                    Outcome = Inv($"Fired: out of tolerance (largest drift {largest:0.0} pts)"),
                    Occurrence = due,
                };
            }
        }
    }

    /// <summary>Marks the occurrence due at <paramref name="due"/> handled: the next one is due after it.</summary>
    private static Step Advance(Step step, StrategySpec spec, DateTimeOffset due)
    {
        var next = spec.Kind == StrategyKind.Dca ? MarketCalendar.NextDue(spec.Dca!, due) : MarketCalendar.NextRebalanceCheck(due);
        return step with { NextEval = next, Due = next };
    }

    internal static decimal Last(Quote quote, string symbol) =>
        quote.Last ?? (quote.Bid + quote.Ask) / 2 ?? throw new InvalidOperationException($"There is no price for {symbol} right now.");

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record Delivery(string Channel, string Address, bool IsGroup, string? PlatformUserId);

    private sealed record Step(
        EvaluationOutcome Kind, string Note, string? Outcome, DateTimeOffset NextEval, DateTimeOffset? Due, bool Armed, DateOnly? RefDay, decimal? RefPrice, DateTimeOffset? Occurrence);

    [LoggerMessage(Level = LogLevel.Information, Message = "Strategy {StrategyId} fired (evaluated by {EvaluatedBy})")]
    private static partial void LogFired(ILogger logger, Guid strategyId, string evaluatedBy);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Evaluating strategy {StrategyId} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, Guid strategyId);
}
