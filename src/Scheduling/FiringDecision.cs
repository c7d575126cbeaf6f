namespace Bot.Scheduling;

/// <summary>
/// What one Quartz firing of a schedule comes to, decided from the schedule's own rule rather than from Quartz's
/// bookkeeping, so that late firings, misfire catch-ups and duplicate firings from two replicas all agree:
/// <list type="bullet">
/// <item>the latest occurrence not after now, if it is new and at most the grace period old, is run (once: it is the run's key);</item>
/// <item>otherwise an occurrence that is new but older than the grace period is skipped, and the skip recorded;</item>
/// <item>otherwise nothing is due (a duplicate firing, or one for an occurrence already handled).</item>
/// </list>
/// Several occurrences missed together come to one run (or one skip): the latest.
/// </summary>
public abstract record FiringDecision
{
    private FiringDecision() { }

    public sealed record Run(DateTimeOffset Occurrence) : FiringDecision;

    public sealed record Skip(DateTimeOffset Occurrence, TimeSpan Late) : FiringDecision;

    public sealed record NothingDue : FiringDecision;

    public static FiringDecision Decide(ScheduleRule rule, DateTimeOffset startsAt, DateTimeOffset? lastHandled, DateTimeOffset now, TimeSpan grace)
    {
        var latest = rule.LatestAtOrBefore(now, startsAt);
        if (latest is not { } occurrence || (lastHandled is { } handled && occurrence <= handled))
        {
            return new NothingDue();
        }
        var late = now - occurrence;
        return late <= grace ? new Run(occurrence) : new Skip(occurrence, late);
    }
}
