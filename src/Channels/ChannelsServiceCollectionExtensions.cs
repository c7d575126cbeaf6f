using Bot.Pipeline;
using Bot.Channels.Inbound;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Bot.Channels.Slack;
using Bot.Channels.Web;
using Microsoft.Extensions.Configuration;
using Bot.Channels.Teams;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Channels;

public static class ChannelsServiceCollectionExtensions
{
    /// <summary>The web chat's Direct Line channel (always on).</summary>
    public static IServiceCollection AddWebChannel(this IServiceCollection services)
    {
        services.AddOptions<WebOptions>().BindConfiguration(WebOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<InboundSeam>();
        services.AddSingleton<DirectLineTokens>();
        services.AddSingleton<DirectLineStore>();
        services.AddSingleton<DirectLineNotifier>();
        services.AddSingleton<IPgNotificationSubscriber>(sp => sp.GetRequiredService<DirectLineNotifier>());
        services.AddSingleton<OwnerAccess>();
        services.AddSingleton<WebSessions>();
        services.AddSingleton<WebCallers>();
        services.AddOptions<WebOidcOptions>().BindConfiguration(WebOidcOptions.Section);
        services.AddSingleton<WebOidcPeople>();
        // ASP.NET Core anti-forgery guards the sign-in form (a forged post would sign the victim in as someone else);
        // calls of a signed-in page carry the session's own token (WebSessions.AntiforgeryToken).
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "bot_antiforgery";
            options.Cookie.SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Strict;
            options.FormFieldName = WebSignInEndpoints.AntiforgeryField;
        });
        services.AddSingleton<IChannelSender, WebChannelSender>();
        services.AddSingleton<ILiveUpdateSender, DirectLineLiveUpdates>();
        return services;
    }

    /// <summary>The Slack channel: on when <c>Slack:BotToken</c> is set (its options are validated at start either way).</summary>
    public static IServiceCollection AddSlackChannel(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SlackOptions>().BindConfiguration(SlackOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var options = configuration.GetSection(SlackOptions.Section).Get<SlackOptions>() ?? new SlackOptions();
        if (!options.Enabled)
        {
            return services;
        }
        services.AddSingleton(sp =>
        {
            var slack = sp.GetRequiredService<IOptions<SlackOptions>>().Value;
            return new SlackRequestVerifier(slack.SigningSecret ?? string.Empty, sp.GetRequiredService<TimeProvider>(), TimeSpan.FromSeconds(slack.MaxClockSkewSeconds));
        });
        services.AddHttpClient<SlackClient>((sp, http) =>
        {
            var slack = sp.GetRequiredService<IOptions<SlackOptions>>().Value;
            http.BaseAddress = new Uri(slack.ApiBaseUrl.TrimEnd('/') + "/");
            http.DefaultRequestHeaders.Authorization = new("Bearer", slack.BotToken);
            http.Timeout = TimeSpan.FromSeconds(30);
        });
        services.AddSingleton<SlackActionUsers>();
        services.TryAddSingleton<InboundSeam>();
        services.AddSingleton<SlackAppHome>();
        services.AddSingleton<SlackInbound>();
        if (!string.IsNullOrWhiteSpace(options.AppToken))
        {
            services.AddHostedService<SlackSocketMode>();
        }
        services.AddSingleton<IChannelSender, SlackChannelSender>();
        return services;
    }

    /// <summary>Microsoft Teams through the Bot Framework (<c>/api/messages</c>); on when <c>Teams:AppId</c> or <c>Teams:Enabled</c> is set.</summary>
    public static IServiceCollection AddTeamsChannel(this IServiceCollection services)
    {
        services.AddOptions<TeamsOptions>().BindConfiguration(TeamsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient(TeamsOptions.Section, http => http.Timeout = TimeSpan.FromSeconds(30));
        services.AddSingleton(sp => new TeamsConnectorClient(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(TeamsOptions.Section), sp.GetRequiredService<IOptions<TeamsOptions>>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<TeamsConnectorClient>>()));
        services.TryAddSingleton<InboundSeam>();
        services.AddSingleton<TeamsStreams>();
        services.AddSingleton<TeamsChannelSender>();
        services.AddSingleton<IChannelSender>(sp => sp.GetRequiredService<TeamsChannelSender>());
        services.AddSingleton<ILiveUpdateSender, TeamsLiveUpdates>();
        return services;
    }
}
