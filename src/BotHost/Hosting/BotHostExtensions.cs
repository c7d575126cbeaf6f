using Bot.Speech;
using Bot.Strategies;
using Bot.Agent;
using Bot.Pipeline;
using Bot.Finance.Trading;
using Bot.Finance;
using Bot.Scheduling;
using Bot.BotHost.Endpoints;
using Bot.BotHost.KeyRing;
using Bot.Channels;
using Bot.Channels.Access;
using Bot.Channels.Telegram;
using Bot.Channels.Slack;
using Bot.Channels.Teams;
using Bot.Channels.Web;
using Bot.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Bot.BotHost.Hosting;

/// <summary>The composition root: what the host is made of, read top to bottom.</summary>
public static class BotHostExtensions
{
    public static WebApplicationBuilder AddBotHost(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var http = configuration.GetSection(HttpOptions.Section).Get<HttpOptions>() ?? new HttpOptions();
        var urls = http.ParseUrls();
        var shutdownTimeout = http.ShutdownTimeout();
        builder.WebHost.UseUrls(urls.Select(u => u.ToString().TrimEnd('/')).ToArray());
        builder.LimitRequestBodies(http);
        CheckRemoteAccessIsGuarded(configuration, urls);

        var connectionString = configuration.GetConnectionString("Bot");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new StartupConfigurationException(
                "ConnectionStrings:Bot is not set. Set it (environment variable ConnectionStrings__Bot) to a PostgreSQL connection string, or start the bot with ./bot run, which runs a private local PostgreSQL.");
        }
        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException exception)
        {
            throw new StartupConfigurationException("ConnectionStrings:Bot is not a valid PostgreSQL connection string: " + exception.Message);
        }

        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddHostedService<ShutdownWatchdog>(); // stopped last; armed as soon as the host is told to stop
        services.AddHostedService<DatabaseMigrationService>(); // first: the workers below start after the schema is current
        services.AddKeyRing(configuration); // second: the key ring is checked (and re-encrypted) before anything uses it
        services.AddBotStorage(connectionString);
        services.AddBotPipeline();
        services.AddBotAgent();
        services.AddFinance();
        services.AddTrading();
        services.AddScheduling(configuration, connectionString);
        services.AddStrategies();
        services.AddScoped<ISpeechVocabulary, HeldSymbolsVocabulary>();
        services.AddSpeech(configuration); // after every handler wrapper: a voice note is transcribed first
        services.AddWebChannel();
        services.AddTelegramChannel(configuration);
        services.AddSlackChannel(configuration);
        services.AddTeamsChannel();
        services.AddAccessControl(configuration);
        services.AddHealthChecks().AddCheck<DatabaseReadyCheck>("database", tags: ["ready"]);
        services.AddOpenApi();
        services.AddProblemDetails();
        services.AddExceptionHandler<RefusedInputExceptionHandler>();
        services.Configure<HostOptions>(options => options.ShutdownTimeout = shutdownTimeout);
        builder.AddBotTelemetry();
        return builder;
    }

    public static WebApplication MapBotHost(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseWebSockets();
        app.UseRouting();
        app.UseBodyLimits();
        app.UseAccessControl();

        // Probes read; any other method is a 405.
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false })
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]))
            .AllowAnonymous("health probe: says only that the process answers");
        app.MapHealthChecks("/health/ready", new() { Predicate = check => check.Tags.Contains("ready") })
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]))
            .AllowAnonymous("health probe: says only whether the database is reachable and migrated");
        app.MapWebPage();
        app.MapOpenApi().RequireAuthorization(AccessPolicies.Owner);
        app.MapDirectLine();
        app.MapWebSignIn();
        app.MapWebOidc();
        app.MapTelegramWebhook();
        app.MapTelegramMiniApp();
        app.MapSlack();
        app.MapTeams();
        app.MapTeamsTab();
        app.MapThreadsApi();
        app.MapStrategiesApi();
        app.MapPlaidLink();
        app.MapStatusApi();
        app.MapBotTelemetry();
        return app;
    }

    /// <summary>
    /// The web chat has no sign-in of its own: on a non-loopback bind it needs <c>Web:AccessKey</c>, or anyone who
    /// can reach the port would act as its owner.
    /// </summary>
    private static void CheckRemoteAccessIsGuarded(IConfiguration configuration, IReadOnlyList<Uri> urls)
    {
        if (HttpOptions.IsLoopbackOnly(urls))
        {
            return;
        }
        var teams = configuration.GetSection(TeamsOptions.Section);
        if (string.IsNullOrEmpty(teams[nameof(TeamsOptions.AppId)]) && teams.GetValue<bool>(nameof(TeamsOptions.Enabled)))
        {
            throw new StartupConfigurationException(
                "Teams:Enabled is set with an empty Teams:AppId on a non-loopback bind (Http:Urls). Without an App ID, /api/messages accepts activities without authentication; set Teams:AppId (and Teams:AppPassword), or bind to 127.0.0.1.");
        }
        var key = configuration[$"{WebOptions.Section}:{nameof(WebOptions.AccessKey)}"];
        if (string.IsNullOrEmpty(key))
        {
            var exposed = string.Join(", ", urls.Where(u => !HttpOptions.IsLoopback(u)));
            throw new StartupConfigurationException(
                $"Http:Urls binds a non-loopback address ({exposed}) but Web:AccessKey is not set. The web chat has no sign-in, so anyone who can reach the port would act as its owner. Set Web:AccessKey to a long random secret, or bind to 127.0.0.1.");
        }
        if (key.Length < 16)
        {
            throw new StartupConfigurationException("Web:AccessKey is shorter than 16 characters; use a long random secret.");
        }
    }
}
