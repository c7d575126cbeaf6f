using Bot.Finance.Broker;
using Bot.Finance.Trading;
using Bot.Storage.Entities;
using Microsoft.Extensions.Options;

namespace Bot.Strategies;

/// <summary>Creating, listing and managing a person's standing instructions: the one place the commands, the model's tools and the web API go through.</summary>
public sealed class StrategyService(
    StrategyStore store,
    IBrokerProvider broker,
    TradePlanService plans,
    IOptions<StrategiesOptions> options,
    IOptions<TradingOptions> trading)
{
    public async Task<(Strategy? Created, decimal? Price, string? Error)> CreateAsync(Guid userId, Guid conversationId, StrategySpec spec, string? sourceKey, CancellationToken cancellationToken)
    {
        decimal? price = null;
        foreach (var symbol in spec.Symbols)
        {
            // An instruction on a symbol the broker does not know would fail at every evaluation: refuse it now.
            if (await broker.FindContractAsync(symbol, cancellationToken) is null)
            {
                return (null, null, $"The {broker.SourceName} knows no instrument called {symbol}.");
            }
            try
            {
                price ??= StrategyEvaluator.Last(await broker.GetQuoteAsync(symbol, cancellationToken), symbol);
            }
            catch (UnknownSymbolException)
            {
                return (null, null, $"The {broker.SourceName} knows no instrument called {symbol}.");
            }
        }
        var result = await store.CreateAsync(userId, conversationId, spec, sourceKey, options.Value.MaxPerUser, cancellationToken);
        return (result.Created, price, result.Error);
    }

    public bool AlwaysOpen => options.Value.PaperAlwaysOpen && broker.IsPaper;

    public int AlertIntervalSeconds => options.Value.AlertIntervalSeconds;

    public async Task<IReadOnlyList<StrategyView>> ListAsync(Guid userId, CancellationToken cancellationToken)
    {
        var views = new List<StrategyView>();
        foreach (var strategy in await store.ListAsync(userId, cancellationToken))
        {
            views.Add(await ViewAsync(strategy, cancellationToken));
        }
        return views;
    }

    public async Task<StrategyView> ViewAsync(Strategy strategy, CancellationToken cancellationToken)
    {
        TradePlanStatus? status = strategy.LastPlan is { } shortId ? (await plans.LoadAsync(shortId, cancellationToken))?.Status : null;
        return StrategyMarkdown.View(strategy, trading.Value.KillSwitch, status);
    }

    public Task<Strategy?> FindAsync(Guid userId, string code, CancellationToken cancellationToken) => store.FindAsync(userId, code, cancellationToken);

    /// <summary>Pause, resume or delete by code or id; the reply in words.</summary>
    public async Task<string> ManageAsync(Guid userId, string verb, string code, CancellationToken cancellationToken)
    {
        var strategy = await store.FindAsync(userId, code, cancellationToken);
        if (strategy is null)
        {
            return $"You have no standing instruction `{code}`. `/strategies` lists yours.";
        }
        switch (verb)
        {
            case "pause":
                await store.SetEnabledAsync(userId, strategy.Id, false, cancellationToken);
                return $"Paused **{strategy.Title}** `#{strategy.Code}`. `/strategies resume {strategy.Code}` resumes it.";
            case "resume":
                var resumed = await store.SetEnabledAsync(userId, strategy.Id, true, cancellationToken);
                return $"Resumed **{strategy.Title}** `#{strategy.Code}` from now on (missed occurrences are not caught up); next evaluation {StrategyMarkdown.Utc(resumed!.NextEvalAt)}." +
                    (trading.Value.KillSwitch ? " The kill switch is on, though: nothing is evaluated until it is off." : "");
            case "delete":
                await store.DeleteAsync(userId, strategy.Id, cancellationToken);
                return $"Deleted **{strategy.Title}** `#{strategy.Code}`.";
            default:
                return "Use `pause`, `resume` or `delete`.";
        }
    }
}
