using Bot.Pipeline;
using System.Globalization;
using System.Text.Json;
using Bot.Finance.Broker;
using Bot.Storage;
using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bot.Finance.Trading;

public enum PlanDecision { Approve, Decline }

/// <summary>The outcome of a proposal: the plan, or why there is none.</summary>
public sealed record ProposalResult(TradePlan? Plan, RiskVerdict Verdict, string? Error);

/// <summary>What a click did. <see cref="Changed"/> means the plan's state moved and its card should be redrawn.</summary>
public sealed record DecisionResult(bool Changed, string Message, TradePlan? Plan);

/// <summary>
/// Trade plans: proposal (risk-checked, stored with a snapshot hash), and decisions by their owner. Approval is a
/// guarded state transition (<c>Proposed -> Approved</c> only from <c>Proposed</c>, before expiry), so however
/// many clicks, retries and replicas race, one wins and executes; each order carries its id as the broker's
/// client order id, so even a resumed execution cannot trade twice. Every transition is audited.
/// </summary>
public sealed partial class TradePlanService(
    BotDbContext db,
    IBrokerProvider broker,
    RiskChecks risk,
    IOptions<TradingOptions> options,
    TimeProvider clock,
    ILogger<TradePlanService> logger)
{
    /// <summary>How long an executor owns a plan before another may resume it.</summary>
    public static readonly TimeSpan ExecutionLease = TimeSpan.FromSeconds(60);

    public bool IsPaper => broker.IsPaper;

    public string BrokerName => broker.SourceName;

    public async Task<ProposalResult> ProposeAsync(
        Guid userId, Guid threadId, Guid conversationId, Guid turnId, int ordinal,
        IReadOnlyList<OrderRequest> orders, string rationale, Guid cardOutboxId, CancellationToken cancellationToken)
    {
        var existing = await db.TradePlans.Include(p => p.Orders).SingleOrDefaultAsync(p => p.TurnId == turnId && p.TurnOrdinal == ordinal, cancellationToken);
        if (existing is not null)
        {
            // This turn is being re-run after a crash: the plan it proposed stands; only its card is new.
            existing.CardOutboxId = cardOutboxId;
            await db.SaveChangesAsync(cancellationToken);
            return new ProposalResult(existing, new RiskVerdict([], JsonSerializer.Deserialize<List<string>>(existing.RiskNotes) ?? []), null);
        }
        if (orders.Count == 0)
        {
            return new ProposalResult(null, new RiskVerdict([], []), "A plan needs at least one order.");
        }
        if (string.IsNullOrWhiteSpace(rationale))
        {
            return new ProposalResult(null, new RiskVerdict([], []), "A plan needs a rationale: say why these orders.");
        }

        var (priced, pricingError) = await PriceAsync(orders, cancellationToken);
        if (pricingError is not null)
        {
            return new ProposalResult(null, new RiskVerdict([pricingError], []), pricingError);
        }
        var verdict = await risk.CheckAsync(userId, priced, proposalPrices: null, cancellationToken);
        if (!verdict.Passed)
        {
            await AuditAsync(userId, "plan.proposal_refused", "turn", turnId.ToString(), new { refusals = verdict.Refusals }, cancellationToken);
            return new ProposalResult(null, verdict, null);
        }

        var now = clock.GetUtcNow();
        var plan = new TradePlan
        {
            ShortId = PlanHash.NewShortId(),
            OwnerUserId = userId,
            ThreadId = threadId,
            ConversationId = conversationId,
            TurnId = turnId,
            TurnOrdinal = ordinal,
            Status = TradePlanStatus.Proposed,
            Rationale = rationale.Trim(),
            RiskNotes = JsonSerializer.Serialize(verdict.Notes),
            SnapshotHash = string.Empty,
            CardOutboxId = cardOutboxId,
            Broker = broker.SourceName,
            CreatedAt = now,
            ExpiresAt = now.AddMinutes(options.Value.PlanTtlMinutes),
            UpdatedAt = now,
        };
        plan.Orders = priced.Select((p, i) => new TradePlanOrder
        {
            PlanId = plan.Id,
            Position = i + 1,
            Symbol = p.Order.Symbol,
            Side = p.Order.Side.ToString(),
            Quantity = p.Order.Quantity,
            OrderType = p.Order.Type.ToString(),
            LimitPrice = p.Order.LimitPrice,
            TimeInForce = p.Order.TimeInForce.ToString(),
            ProposalPrice = p.MarketPrice,
            Status = PlanOrderStatus.Pending,
        }).ToList();
        plan.SnapshotHash = PlanHash.Compute(plan.Id, plan.Orders);
        db.TradePlans.Add(plan);
        db.AuditLog.Add(Audit(userId, "plan.proposed", plan, new { orders = plan.Orders.Select(o => o.Id), notional = priced.Sum(p => p.Notional) }));
        await db.SaveChangesAsync(cancellationToken);
        BotTelemetry.PlanTransitions.Add(1, new KeyValuePair<string, object?>("step", "proposed"));
        LogProposed(logger, plan.Id, plan.Orders.Count);
        return new ProposalResult(plan, verdict, null);
    }

    public async Task<DecisionResult> DecideAsync(string shortId, Guid actorUserId, PlanDecision decision, string hash, CancellationToken cancellationToken)
    {
        var plan = await LoadAsync(shortId, cancellationToken);
        if (plan is null)
        {
            return new DecisionResult(false, "I can't find that plan, so nothing was done.", null);
        }
        if (plan.OwnerUserId != actorUserId)
        {
            await AuditAsync(actorUserId, "plan.refused_not_owner", "trade_plan", plan.Id.ToString(), new { decision = decision.ToString() }, cancellationToken);
            return new DecisionResult(false, "Sorry, only the person this plan was made for can approve or decline it. Nothing was changed.", plan);
        }
        if (!PlanHash.Matches(hash, plan.SnapshotHash))
        {
            await AuditAsync(actorUserId, "plan.refused_stale_button", "trade_plan", plan.Id.ToString(), new { decision = decision.ToString() }, cancellationToken);
            return new DecisionResult(false, "That button does not match this plan as it stands, so nothing was done. Use the buttons on the plan's current card.", plan);
        }

        return decision == PlanDecision.Decline
            ? await DeclineAsync(plan, actorUserId, cancellationToken)
            : await ApproveAsync(plan, actorUserId, cancellationToken);
    }

    private async Task<DecisionResult> DeclineAsync(TradePlan plan, Guid actorUserId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var changed = await TransitionAsync(plan, TradePlanStatus.Proposed, TradePlanStatus.Declined, actorUserId, "plan.declined",
            "Declined. Nothing was sent to the broker.", onlyBeforeExpiry: false, cancellationToken);
        return changed
            ? new DecisionResult(true, "Declined. Nothing was sent to the broker.", await LoadAsync(plan.ShortId, cancellationToken))
            : new DecisionResult(false, AlreadyDecided(await LoadAsync(plan.ShortId, cancellationToken) ?? plan, now), plan);
    }

    private async Task<DecisionResult> ApproveAsync(TradePlan plan, Guid actorUserId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (plan.Status != TradePlanStatus.Proposed)
        {
            if (plan.Status is TradePlanStatus.Approved or TradePlanStatus.Submitting && plan.ExecutionLeaseUntil < now && await ClaimExecutionAsync(plan.Id, cancellationToken))
            {
                // An earlier execution stopped half-way (a crash): finish it; the brokers refuse a repeated order id.
                return await ExecuteAsync(plan.Id, cancellationToken);
            }
            return new DecisionResult(false, AlreadyDecided(plan, now), plan);
        }
        if (now >= plan.ExpiresAt)
        {
            await TransitionAsync(plan, TradePlanStatus.Proposed, TradePlanStatus.Expired, null, "plan.expired", "Expired before it was approved.", onlyBeforeExpiry: false, cancellationToken);
            return new DecisionResult(true, $"This plan expired at {plan.ExpiresAt.ToUniversalTime():HH:mm} UTC, so it can't be approved. Ask me for a new one.", await LoadAsync(plan.ShortId, cancellationToken));
        }

        var requests = plan.Orders.OrderBy(o => o.Position).Select(ToRequest).ToList();
        var (priced, pricingError) = await PriceAsync(requests, cancellationToken);
        var verdict = pricingError is not null
            ? new RiskVerdict([pricingError], [])
            : await risk.CheckAsync(plan.OwnerUserId, priced, plan.Orders.OrderBy(o => o.Position).Select(o => o.ProposalPrice).ToList(), cancellationToken);
        if (!verdict.Passed)
        {
            await AuditAsync(actorUserId, "plan.approval_refused", "trade_plan", plan.Id.ToString(), new { refusals = verdict.Refusals }, cancellationToken);
            return new DecisionResult(false, "I can't approve this plan: " + string.Join(" ", verdict.Refusals) + " Nothing was sent to the broker.", plan);
        }

        if (!await TransitionAsync(plan, TradePlanStatus.Proposed, TradePlanStatus.Approved, actorUserId, "plan.approved", null, onlyBeforeExpiry: true, cancellationToken))
        {
            // Another click (or replica) got there first; it executes, this one does nothing.
            return new DecisionResult(false, AlreadyDecided(await LoadAsync(plan.ShortId, cancellationToken) ?? plan, now), plan);
        }
        return await ExecuteAsync(plan.Id, cancellationToken);
    }

    /// <summary>Sends the plan's pending orders (the caller holds the execution lease) and records what the broker said.</summary>
    public async Task<DecisionResult> ExecuteAsync(Guid planId, CancellationToken cancellationToken)
    {
        var plan = await db.TradePlans.Include(p => p.Orders).SingleAsync(p => p.Id == planId, cancellationToken);
        if (plan.Status == TradePlanStatus.Approved)
        {
            plan.Status = TradePlanStatus.Submitting;
            plan.UpdatedAt = clock.GetUtcNow();
            db.AuditLog.Add(Audit(null, "plan.submitting", plan, new { }));
            await db.SaveChangesAsync(cancellationToken);
        }

        foreach (var order in plan.Orders.OrderBy(o => o.Position).Where(o => o.Status == PlanOrderStatus.Pending))
        {
            var clientOrderId = order.Id.ToString("N");
            BrokerOrder? placed = null;
            try
            {
                placed = await broker.PlaceOrderAsync(plan.OwnerUserId, clientOrderId, ToRequest(order), cancellationToken);
            }
            catch (DuplicateClientOrderIdException)
            {
                // Sent before a crash: take the broker's record of it instead of sending it again.
                placed = (await broker.GetOrdersAsync(plan.OwnerUserId, cancellationToken)).FirstOrDefault(o => o.ClientOrderId == clientOrderId);
                if (placed is null)
                {
                    order.Status = PlanOrderStatus.Failed;
                    order.Message = "The broker already has this order id but does not list the order; check the account before retrying.";
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                order.Status = PlanOrderStatus.Failed;
                order.Message = exception.Message;
                LogOrderFailed(logger, exception, plan.Id, order.Position);
            }
            if (placed is not null)
            {
                Apply(order, placed);
            }
            db.AuditLog.Add(Audit(null, "plan.order_" + order.Status.ToString().ToLowerInvariant(), plan,
                new { order = order.Id, brokerOrderId = order.BrokerOrderId, filled = order.FilledQuantity, price = order.AveragePrice, message = order.Message }));
            await db.SaveChangesAsync(cancellationToken);
        }

        var status = Aggregate(plan.Orders);
        plan.Status = status;
        plan.UpdatedAt = clock.GetUtcNow();
        plan.ExecutionLeaseUntil = null;
        plan.Outcome = Outcome(plan);
        db.AuditLog.Add(Audit(null, "plan." + status.ToString().ToLowerInvariant(), plan, new { outcome = plan.Outcome }));
        await db.SaveChangesAsync(cancellationToken);
        BotTelemetry.PlanTransitions.Add(1, new KeyValuePair<string, object?>("step", status.ToString().ToLowerInvariant()));
        LogExecuted(logger, plan.Id, status);
        return new DecisionResult(true, plan.Outcome, plan);
    }

    /// <summary>Updates a submitted plan from the broker's order list; true when anything changed.</summary>
    public async Task<bool> RefreshAsync(Guid planId, CancellationToken cancellationToken)
    {
        var plan = await db.TradePlans.Include(p => p.Orders).SingleAsync(p => p.Id == planId, cancellationToken);
        var known = (await broker.GetOrdersAsync(plan.OwnerUserId, cancellationToken)).Where(o => o.ClientOrderId is not null).ToDictionary(o => o.ClientOrderId!, StringComparer.Ordinal);
        var changed = false;
        foreach (var order in plan.Orders.Where(o => o.Status is PlanOrderStatus.Submitted or PlanOrderStatus.Working or PlanOrderStatus.PartiallyFilled))
        {
            if (known.TryGetValue(order.Id.ToString("N"), out var current) && (current.FilledQuantity != order.FilledQuantity || Map(current.Status) != order.Status))
            {
                Apply(order, current);
                changed = true;
            }
        }
        if (!changed)
        {
            return false;
        }
        plan.Status = Aggregate(plan.Orders);
        plan.Outcome = Outcome(plan);
        plan.UpdatedAt = clock.GetUtcNow();
        db.AuditLog.Add(Audit(null, "plan.broker_update", plan, new { status = plan.Status.ToString(), outcome = plan.Outcome }));
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>Marks an unapproved plan past its expiry as expired; true when this call did it.</summary>
    public async Task<bool> ExpireAsync(TradePlan plan, CancellationToken cancellationToken) =>
        await TransitionAsync(plan, TradePlanStatus.Proposed, TradePlanStatus.Expired, null, "plan.expired", "Expired before it was approved.", onlyBeforeExpiry: false, cancellationToken);

    public async Task<bool> ClaimExecutionAsync(Guid planId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        return await db.TradePlans
            .Where(p => p.Id == planId && (p.Status == TradePlanStatus.Approved || p.Status == TradePlanStatus.Submitting) && (p.ExecutionLeaseUntil == null || p.ExecutionLeaseUntil < now))
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.ExecutionLeaseUntil, now + ExecutionLease), cancellationToken) == 1;
    }

    public Task<TradePlan?> LoadAsync(string shortId, CancellationToken cancellationToken) =>
        db.TradePlans.AsNoTracking().Include(p => p.Orders).SingleOrDefaultAsync(p => p.ShortId == shortId, cancellationToken);

    /// <summary>The one way a plan changes state: only from <paramref name="from"/>, in a transaction with its audit row.</summary>
    private async Task<bool> TransitionAsync(TradePlan plan, TradePlanStatus from, TradePlanStatus to, Guid? actor, string action, string? outcome, bool onlyBeforeExpiry, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var query = db.TradePlans.Where(p => p.Id == plan.Id && p.Status == from);
        if (onlyBeforeExpiry)
        {
            query = query.Where(p => p.ExpiresAt > now);
        }
        var decided = to is TradePlanStatus.Approved or TradePlanStatus.Declined;
        var rows = await query.ExecuteUpdateAsync(s => s
            .SetProperty(p => p.Status, to)
            .SetProperty(p => p.UpdatedAt, now)
            .SetProperty(p => p.Outcome, p => outcome ?? p.Outcome)
            .SetProperty(p => p.DecidedAt, p => decided ? now : p.DecidedAt)
            .SetProperty(p => p.DecidedByUserId, p => decided ? actor : p.DecidedByUserId)
            .SetProperty(p => p.ExecutionLeaseUntil, p => to == TradePlanStatus.Approved ? now + ExecutionLease : p.ExecutionLeaseUntil), cancellationToken);
        if (rows != 1)
        {
            return false;
        }
        db.AuditLog.Add(new AuditEntry { At = now, ActorUserId = actor, Action = action, SubjectType = "trade_plan", SubjectId = plan.Id.ToString(), Data = JsonSerializer.Serialize(new { from = from.ToString(), to = to.ToString() }) });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        BotTelemetry.PlanTransitions.Add(1, new KeyValuePair<string, object?>("step", to.ToString().ToLowerInvariant()));
        return true;
    }

    private async Task<(List<PricedOrder> Priced, string? Error)> PriceAsync(IReadOnlyList<OrderRequest> orders, CancellationToken cancellationToken)
    {
        var priced = new List<PricedOrder>();
        foreach (var order in orders)
        {
            if (OrderChecks.Problem(order) is { } problem)
            {
                return ([], $"{order.Side.ToString().ToUpperInvariant()} {order.Quantity:0.######} {order.Symbol}: {problem}");
            }
            try
            {
                var quote = await broker.GetQuoteAsync(order.Symbol, cancellationToken);
                var market = (order.Side == OrderSide.Buy ? quote.Ask : quote.Bid) ?? quote.Last;
                if (market is not > 0)
                {
                    return ([], $"There is no price for {order.Symbol} right now, so I can't check the order.");
                }
                priced.Add(new PricedOrder(order, market.Value));
            }
            catch (UnknownSymbolException)
            {
                return ([], $"The {broker.SourceName} knows no instrument called {order.Symbol}.");
            }
        }
        return (priced, null);
    }

    private async Task AuditAsync(Guid? actor, string action, string subjectType, string subjectId, object data, CancellationToken cancellationToken)
    {
        db.AuditLog.Add(new AuditEntry { At = clock.GetUtcNow(), ActorUserId = actor, Action = action, SubjectType = subjectType, SubjectId = subjectId, Data = JsonSerializer.Serialize(data) });
        await db.SaveChangesAsync(cancellationToken);
    }

    private AuditEntry Audit(Guid? actor, string action, TradePlan plan, object data) =>
        new() { At = clock.GetUtcNow(), ActorUserId = actor, Action = action, SubjectType = "trade_plan", SubjectId = plan.Id.ToString(), Data = JsonSerializer.Serialize(data) };

    private static OrderRequest ToRequest(TradePlanOrder order) => new(
        order.Symbol, Enum.Parse<OrderSide>(order.Side), order.Quantity, Enum.Parse<OrderType>(order.OrderType), order.LimitPrice, Enum.Parse<TimeInForce>(order.TimeInForce));

    private static void Apply(TradePlanOrder order, BrokerOrder placed)
    {
        order.BrokerOrderId = placed.OrderId;
        order.FilledQuantity = placed.FilledQuantity;
        order.AveragePrice = placed.AveragePrice;
        order.Message = placed.Message;
        order.Status = Map(placed.Status);
    }

    private static PlanOrderStatus Map(BrokerOrderStatus status) => status switch
    {
        BrokerOrderStatus.Filled => PlanOrderStatus.Filled,
        BrokerOrderStatus.PartiallyFilled => PlanOrderStatus.PartiallyFilled,
        BrokerOrderStatus.Working => PlanOrderStatus.Working,
        BrokerOrderStatus.Submitted => PlanOrderStatus.Submitted,
        BrokerOrderStatus.Cancelled => PlanOrderStatus.Cancelled,
        _ => PlanOrderStatus.Rejected,
    };

    private static TradePlanStatus Aggregate(IReadOnlyCollection<TradePlanOrder> orders)
    {
        if (orders.All(o => o.Status == PlanOrderStatus.Filled))
        {
            return TradePlanStatus.Filled;
        }
        if (orders.Any(o => o.Status is PlanOrderStatus.Submitted or PlanOrderStatus.Working))
        {
            return orders.Any(o => o.FilledQuantity > 0) ? TradePlanStatus.PartiallyFilled : TradePlanStatus.Submitted;
        }
        if (orders.Any(o => o.FilledQuantity > 0))
        {
            return TradePlanStatus.PartiallyFilled;
        }
        return orders.Any(o => o.Status == PlanOrderStatus.Failed) ? TradePlanStatus.Failed : TradePlanStatus.Rejected;
    }

    private string Outcome(TradePlan plan)
    {
        var lines = plan.Orders.OrderBy(o => o.Position).Select(o =>
        {
            var label = string.Create(CultureInfo.InvariantCulture, $"{o.Side.ToUpperInvariant()} {o.Quantity:0.######} {o.Symbol}");
            return o.Status switch
            {
                PlanOrderStatus.Filled => string.Create(CultureInfo.InvariantCulture, $"{label}: filled at {o.AveragePrice:0.00}"),
                PlanOrderStatus.PartiallyFilled => string.Create(CultureInfo.InvariantCulture, $"{label}: {o.FilledQuantity:0.######} filled at {o.AveragePrice:0.00}, the rest working"),
                PlanOrderStatus.Working or PlanOrderStatus.Submitted => $"{label}: working at the broker",
                _ => $"{label}: {o.Status.ToString().ToLowerInvariant()}{(o.Message is { Length: > 0 } m ? " (" + m + ")" : "")}",
            };
        });
        return $"{PlanCards.StatusLabel(plan.Status)} at the {broker.SourceName}{(broker.IsPaper ? " (paper, no real money)" : "")}: {string.Join("; ", lines)}.";
    }

    private static string AlreadyDecided(TradePlan plan, DateTimeOffset now) => plan.Status switch
    {
        TradePlanStatus.Proposed when now >= plan.ExpiresAt => "This plan has expired, so nothing was done.",
        TradePlanStatus.Declined => "This plan was already declined; nothing was done.",
        TradePlanStatus.Expired => "This plan has expired, so nothing was done.",
        TradePlanStatus.Approved or TradePlanStatus.Submitting => "This plan is already approved and being sent; nothing more was done.",
        _ => $"This plan was already approved ({PlanCards.StatusLabel(plan.Status).ToLowerInvariant()}); nothing more was done.",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Trade plan {PlanId} proposed with {Count} order(s)")]
    private static partial void LogProposed(ILogger logger, Guid planId, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Trade plan {PlanId} executed: {Status}")]
    private static partial void LogExecuted(ILogger logger, Guid planId, TradePlanStatus status);

    [LoggerMessage(Level = LogLevel.Error, Message = "Order {Position} of trade plan {PlanId} failed at the broker")]
    private static partial void LogOrderFailed(ILogger logger, Exception exception, Guid planId, int position);
}
