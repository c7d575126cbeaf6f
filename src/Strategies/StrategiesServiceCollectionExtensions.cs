using Bot.Agent.Commands;
using Bot.Agent.Tools;
using Bot.Pipeline.Actions;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Strategies;

public static class StrategiesServiceCollectionExtensions
{
    /// <summary>Standing instructions: the store, the evaluator on the clustered Quartz (call after AddScheduling and AddTrading), commands, buttons and tools.</summary>
    public static IServiceCollection AddStrategies(this IServiceCollection services)
    {
        services.AddOptions<StrategiesOptions>().BindConfiguration(StrategiesOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<StrategyStore>();
        services.AddSingleton<StrategyEvaluator>();
        services.AddTransient<StrategyTickJob>();
        services.AddHostedService<StrategyTickScheduler>();
        services.AddScoped<StrategyService>();
        services.AddScoped<StrategyRunner>();
        services.AddScoped<IChatCommand, AlertCommand>();
        services.AddScoped<IChatCommand, DcaCommand>();
        services.AddScoped<IChatCommand, RebalanceCommand>();
        services.AddScoped<IChatCommand, StrategiesCommand>();
        services.AddScoped<ICardActionHandler, StrategyActionHandler>();
        services.AddScoped<IToolProvider, StrategyTools>();
        return services;
    }
}
