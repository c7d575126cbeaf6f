using Bot.Pipeline.Actions;
using Bot.Agent.Commands;
using Bot.Agent.Tools;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using Bot.Pipeline;

namespace Bot.Scheduling;

public static class SchedulingServiceCollectionExtensions
{
    /// <summary>
    /// Scheduled proactive messages: Quartz with its ADO job store on the bot's PostgreSQL, clustered so that the
    /// replicas share the triggers and each firing runs on one of them; the schedule service, its commands and tools;
    /// the run tracker; and the start-up reconciliation of triggers with the schedules table. Call after the agent
    /// (it wraps the turn handler).
    /// </summary>
    public static IServiceCollection AddScheduling(this IServiceCollection services, IConfiguration configuration, string connectionString)
    {
        services.AddOptions<SchedulingOptions>().BindConfiguration(SchedulingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // Quartz is configured once, here, from the same section (the values are validated at start like the rest).
        var settings = configuration.GetSection(SchedulingOptions.Section).Get<SchedulingOptions>() ?? new SchedulingOptions();

        services.AddQuartz(quartz =>
        {
            quartz.ConfigureScheduler(scheduler =>
            {
                scheduler.InstanceName = "finance-bot";
                scheduler.IdleWaitTime = TimeSpan.FromSeconds(Math.Max(1, settings.IdleWaitSeconds));
            });
            quartz.UsePersistentStore(store =>
            {
                store.UsePostgres(connectionString);
                store.UseClustering(cluster =>
                {
                    cluster.CheckinInterval = TimeSpan.FromSeconds(settings.CheckinSeconds);
                    cluster.CheckinMisfireThreshold = TimeSpan.FromSeconds(settings.CheckinSeconds * 2);
                });
                store.ConfigureStore(ado => ado.MisfireThreshold = TimeSpan.FromSeconds(settings.MisfireThresholdSeconds));
                store.UseSystemTextJsonSerializer();
                // Quartz creates its own tables (qrtz_*) when missing, from the script shipped with the Quartz version
                // in use; our migrations do not copy it. It only ever creates (never alters or drops), and the account
                // already has DDL rights for our own migrations. Moving to a Quartz release with schema changes means
                // adding its upgrade script as one of our migrations.
                store.ProvisionSchema();
            });
        });
        // Started with the host rather than after it: the reconciler below needs a running scheduler (its tables exist then).
        services.AddQuartzHostedService(hosted =>
        {
            hosted.WaitForJobsToComplete = true;
            hosted.AwaitApplicationStarted = false;
        });

        services.AddSingleton<ScheduleTriggers>();
        services.AddSingleton<ScheduleFiring>();
        services.AddTransient<ScheduleFireJob>();
        services.AddScoped<ScheduleService>();
        services.AddScoped<Bot.Pipeline.People.IPersonSummarySource, SchedulesSummary>();
        services.AddScoped<IChatCommand, ScheduleCommand>();
        services.AddScoped<ICardActionHandler, ScheduleActionHandler>();
        services.AddScoped<IChatCommand, SchedulesCommand>();
        services.AddScoped<IChatCommand, TimeZoneCommand>();
        services.AddScoped<IToolProvider, ScheduleTools>();
        services.AddHostedService<ScheduleReconciler>();
        services.AddHostedService<ScheduleRunTracker>();
        // Wraps whichever agent answers.
        services.DecorateTurnHandler((sp, inner) => new SchedulingTurnHandler(inner, sp.GetRequiredService<ScheduleService>()), "AddScheduling");
        return services;
    }
}
