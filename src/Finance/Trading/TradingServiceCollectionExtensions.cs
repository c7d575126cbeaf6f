using Bot.Agent.Commands;
using Bot.Pipeline;
using Bot.Pipeline.Actions;
using Bot.Agent.Tools;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Finance.Trading;

public static class TradingServiceCollectionExtensions
{
    /// <summary>Trade plans over the broker port: risk checks, one-click decisions, the sweeper, /buy, /sell and the model's tool.</summary>
    public static IServiceCollection AddTrading(this IServiceCollection services)
    {
        services.AddOptions<TradingOptions>().BindConfiguration(TradingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<OutboxWriter>();
        services.AddScoped<RiskChecks>();
        services.AddScoped<TradePlanService>();
        services.AddScoped<PlanProposer>();
        services.AddScoped<IToolProvider, TradePlanTools>();
        services.AddScoped<IChatCommand, BuyCommand>();
        services.AddScoped<IChatCommand, SellCommand>();
        services.AddScoped<PlanActionHandler>();
        services.AddScoped<ICardActionHandler>(sp => sp.GetRequiredService<PlanActionHandler>());
        services.AddScoped<IChatCommand, PlanCommand>();
        services.AddSingleton<TradePlanSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<TradePlanSweeper>());
        return services;
    }
}
