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

    /// <summary>
    /// Wraps the <see cref="ITurnHandler"/> registered so far (whichever agent answers, with any wrappers already around
    /// it) in <paramref name="wrap"/>'s handler, with the same lifetime: the last wrapper registered sees the turn first.
    /// Must come after the agent registers its handler; <paramref name="caller"/> names the registration in the error.
    /// </summary>
    public static IServiceCollection DecorateTurnHandler(this IServiceCollection services, Func<IServiceProvider, ITurnHandler, ITurnHandler> wrap, string caller)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(ITurnHandler))
            ?? throw new InvalidOperationException($"{caller} must come after the agent registers its ITurnHandler.");
        services.Remove(registered);
        services.Add(ServiceDescriptor.Describe(typeof(ITurnHandler), sp =>
        {
            var inner = registered.ImplementationFactory is { } factory ? (ITurnHandler)factory(sp)
                : registered.ImplementationInstance is ITurnHandler instance ? instance
                : (ITurnHandler)ActivatorUtilities.CreateInstance(sp, registered.ImplementationType!);
            return wrap(sp, inner);
        }, registered.Lifetime));
        return services;
    }
}
