using Bot.Pipeline.Actions;
using Bot.Pipeline.SignIn;
using Bot.Pipeline.Threads;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Pipeline;

public static class PipelineServiceCollectionExtensions
{
    /// <summary>The durable pipeline: inbox, turn workers, outbox senders, notifications, the thread store.</summary>
    public static IServiceCollection AddBotPipeline(this IServiceCollection services)
    {
        services.AddOptions<PipelineOptions>().BindConfiguration(PipelineOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PipelineSignals>();
        services.AddOptions<WebSignInOptions>().BindConfiguration(WebSignInOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<WebSignInLinks>();
        services.AddSingleton<PgNotifier>();
        services.AddSingleton<InboxRecorder>();
        services.AddSingleton<TurnProcessor>();
        services.AddSingleton<TurnCommitter>();
        services.AddSingleton<OutboxProcessor>();
        services.AddSingleton<ThreadQueries>();
        services.AddSingleton<ThreadMetadataWriter>();
        services.AddSingleton<ThreadEditor>();
        services.AddScoped<CardActionRouter>();
        services.AddSingleton<LiveUpdates>();
        services.AddHostedService<InboxBatchWriter>();
        services.AddHostedService<PgNotificationListener>();
        services.AddHostedService<TurnWorker>();
        services.AddHostedService<OutboxWorker>();
        return services;
    }
}
