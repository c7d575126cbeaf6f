using System.Globalization;
using Bot.Pipeline.People;
using Bot.Storage;
using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Bot.Finance.Trading;

/// <summary>A person's trade plans still waiting for a decision, in their overview: what each would do and until when.</summary>
public sealed class OpenPlansSummary(BotDbContext db, TimeProvider clock) : IPersonSummarySource
{
    public int Order => 10;

    public async Task<PersonSummarySection?> DescribeAsync(Guid userId, int max, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var plans = await db.Set<TradePlan>().AsNoTracking()
            .Where(p => p.OwnerUserId == userId && p.Status == TradePlanStatus.Proposed && p.ExpiresAt > now)
            .OrderBy(p => p.ExpiresAt).Take(max)
            .Select(p => new { p.Id, p.ShortId, p.ExpiresAt })
            .ToListAsync(cancellationToken);
        if (plans.Count == 0)
        {
            return null;
        }
        var ids = plans.Select(p => p.Id).ToList();
        var orders = await db.Set<TradePlanOrder>().AsNoTracking().Where(o => ids.Contains(o.PlanId)).OrderBy(o => o.Position).ToListAsync(cancellationToken);
        return new PersonSummarySection("Trade plans waiting for you", plans.Select(plan =>
        {
            var what = string.Join(", ", orders.Where(o => o.PlanId == plan.Id).Select(o =>
                string.Create(CultureInfo.InvariantCulture, $"{o.Side} {o.Quantity:0.####} {o.Symbol}{(o.LimitPrice is { } limit ? $" limit {limit:0.####}" : string.Empty)}")));
            var minutes = Math.Max(1, (int)Math.Ceiling((plan.ExpiresAt - now).TotalMinutes));
            return $"Plan {plan.ShortId}: {what}; open for {minutes} more minute{(minutes == 1 ? string.Empty : "s")}. Approve or decline it on its card.";
        }).ToList());
    }
}
