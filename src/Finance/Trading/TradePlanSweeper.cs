using Bot.Pipeline.Model;
using Bot.Pipeline;
using Bot.Pipeline.Threads;
using Bot.Storage;
using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bot.Finance.Trading;

/// <summary>
/// Keeps plans honest between clicks: expires unapproved plans (their cards lose their buttons), finishes
/// executions a crash interrupted (the broker refuses a repeated client order id), and polls the broker for orders
/// still working, reporting fills into the plan's thread as they happen.
/// </summary>
public sealed partial class TradePlanSweeper(IServiceScopeFactory scopes, TimeProvider clock, ILogger<TradePlanSweeper> logger) : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                LogSweepFailed(logger, exception);
            }
            try
            {
                await Task.Delay(Every, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BotDbContext>();
        var plans = scope.ServiceProvider.GetRequiredService<TradePlanService>();
        var outbox = scope.ServiceProvider.GetRequiredService<OutboxWriter>();
        var threads = scope.ServiceProvider.GetRequiredService<ThreadQueries>();
        var now = clock.GetUtcNow();

        var expired = await db.TradePlans.AsNoTracking().Where(p => p.Status == TradePlanStatus.Proposed && p.ExpiresAt <= now).OrderBy(p => p.ExpiresAt).Take(50).ToListAsync(cancellationToken);
        foreach (var plan in expired)
        {
            if (await plans.ExpireAsync(plan, cancellationToken))
            {
                await ReportAsync(db, plans, outbox, threads, plan.Id, message: null, cancellationToken);
            }
        }

        var stalled = await db.TradePlans.AsNoTracking()
            .Where(p => (p.Status == TradePlanStatus.Approved || p.Status == TradePlanStatus.Submitting) && p.ExecutionLeaseUntil < now)
            .OrderBy(p => p.UpdatedAt).Select(p => p.Id).Take(20).ToListAsync(cancellationToken);
        foreach (var id in stalled)
        {
            if (await plans.ClaimExecutionAsync(id, cancellationToken))
            {
                LogResuming(logger, id);
                var result = await plans.ExecuteAsync(id, cancellationToken);
                await ReportAsync(db, plans, outbox, threads, id, result.Message, cancellationToken);
            }
        }

        var working = await db.TradePlans.AsNoTracking()
            .Where(p => p.Status == TradePlanStatus.Submitted || (p.Status == TradePlanStatus.PartiallyFilled && p.Orders.Any(o => o.Status == PlanOrderStatus.Working || o.Status == PlanOrderStatus.Submitted)))
            .OrderBy(p => p.UpdatedAt).Select(p => p.Id).Take(50).ToListAsync(cancellationToken);
        foreach (var id in working)
        {
            if (await plans.RefreshAsync(id, cancellationToken))
            {
                var plan = await db.TradePlans.AsNoTracking().SingleAsync(p => p.Id == id, cancellationToken);
                await ReportAsync(db, plans, outbox, threads, id, plan.Outcome, cancellationToken);
            }
        }
    }

    /// <summary>Posts what happened into the plan's thread and redraws its card.</summary>
    private static async Task ReportAsync(BotDbContext db, TradePlanService plans, OutboxWriter outbox, ThreadQueries threads, Guid planId, string? message, CancellationToken cancellationToken)
    {
        var plan = await db.TradePlans.AsNoTracking().Include(p => p.Orders).SingleAsync(p => p.Id == planId, cancellationToken);
        var channel = await threads.ChannelOfConversationAsync(plan.ConversationId, cancellationToken);
        var card = PlanCards.Build(plan, plans.IsPaper);
        var messages = new List<OutgoingMessage>();
        if (message is not null)
        {
            messages.Add(new OutgoingMessage { Text = message });
        }
        if (plan.CardOutboxId is { } cardId)
        {
            messages.Add(new OutgoingMessage { Kind = OutgoingKind.Update, Replaces = cardId, Text = CardMarkdown.Render(card), Card = card });
        }
        if (messages.Count > 0)
        {
            await outbox.EnqueueAsync(plan.ThreadId, plan.ConversationId, channel, messages, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Resuming the interrupted execution of trade plan {PlanId}")]
    private static partial void LogResuming(ILogger logger, Guid planId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sweeping trade plans failed; trying again shortly")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
