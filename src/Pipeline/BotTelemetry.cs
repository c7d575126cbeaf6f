using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Bot.Pipeline;

/// <summary>
/// The bot's own traces and metrics (System.Diagnostics; OpenTelemetry exports them when the host turns it on). A
/// message's trace runs from the inbound request through the turn to each outbox send: the recorder keeps the request's
/// W3C traceparent with the inbox row, the turn continues it, and each reply keeps the turn's with its outbox row.
/// Tags carry channels, outcomes and ids, never message text or secrets.
/// </summary>
public static class BotTelemetry
{
    public const string Name = "Bot";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> InboundMessages = Meter.CreateCounter<long>("bot.inbound.messages", "{message}", "Inbound messages recorded, per channel and result (recorded, duplicate).");
    public static readonly Histogram<double> TurnDuration = Meter.CreateHistogram<double>("bot.turn.duration", "s", "Time from a turn's start to its commit, per channel and outcome.");
    public static readonly Counter<long> OutboxSends = Meter.CreateCounter<long>("bot.outbox.sends", "{message}", "Outbox sends per channel and outcome (sent, retry, failed, expired, ...).");
    public static readonly Histogram<double> OutboxLag = Meter.CreateHistogram<double>("bot.outbox.lag", "s", "Time from a reply's commit to its delivery, per channel.");
    public static readonly Counter<long> ModelTokens = Meter.CreateCounter<long>("bot.llm.tokens", "{token}", "Language-model tokens per model and direction (input, output).");
    public static readonly Counter<double> ModelCost = Meter.CreateCounter<double>("bot.llm.cost", "USD", "Estimated language-model cost per model.");
    public static readonly Counter<long> PlanTransitions = Meter.CreateCounter<long>("bot.plans", "{plan}", "Trade plans per step (proposed, approved, executed, declined, failed).");
    public static readonly Counter<long> ScheduleFirings = Meter.CreateCounter<long>("bot.schedule.firings", "{firing}", "Schedule occurrences fired.");

    /// <summary>The traceparent to keep with a record made now, or null when nobody listens.</summary>
    public static string? CurrentTraceParent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C, Recorded: true } current && Source.HasListeners() ? current.Id : null;

    /// <summary>Starts a span continuing <paramref name="traceParent"/> (a W3C traceparent kept with a record), or a new trace.</summary>
    public static Activity? StartContinuing(string name, string? traceParent, ActivityKind kind = ActivityKind.Internal)
    {
        var parent = traceParent is not null && ActivityContext.TryParse(traceParent, null, out var context) ? context : default;
        return Source.StartActivity(name, kind, parent);
    }
}
