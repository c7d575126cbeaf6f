using Bot.Agent.Commands;
using Bot.Agent.Pipeline;
using Bot.Agent.Threads;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Bot.Agent;

public static class AgentServiceCollectionExtensions
{
    /// <summary>The durable pipeline (inbox, turn workers, outbox senders, notifications) and the command agent.</summary>
    public static IServiceCollection AddBotAgent(this IServiceCollection services)
    {
        services.AddOptions<PipelineOptions>().BindConfiguration(PipelineOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PipelineSignals>();
        services.AddSingleton<InboxRecorder>();
        services.AddSingleton<TurnProcessor>();
        services.AddSingleton<OutboxProcessor>();
        services.AddScoped<ThreadQueries>();
        services.AddScoped<IChatCommand, HelpCommand>();
        services.AddScoped<IChatCommand, NewThreadCommand>();
        services.AddScoped<IChatCommand, ThreadsCommand>();
        services.AddScoped<CommandAgent>();
        services.AddScoped<ITurnHandler>(sp => sp.GetRequiredService<CommandAgent>());
        services.AddHostedService<PgNotificationListener>();
        services.AddHostedService<TurnWorker>();
        services.AddHostedService<OutboxWorker>();
        return services;
    }
}
