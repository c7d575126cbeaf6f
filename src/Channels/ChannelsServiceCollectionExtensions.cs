using Bot.Agent.Pipeline;
using Bot.Channels.Web;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Channels;

public static class ChannelsServiceCollectionExtensions
{
    /// <summary>The web chat's Direct Line channel (always on).</summary>
    public static IServiceCollection AddWebChannel(this IServiceCollection services)
    {
        services.AddOptions<WebOptions>().BindConfiguration(WebOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DirectLineTokens>();
        services.AddSingleton<DirectLineStore>();
        services.AddSingleton<DirectLineNotifier>();
        services.AddSingleton<IPgNotificationSubscriber>(sp => sp.GetRequiredService<DirectLineNotifier>());
        services.AddSingleton<OwnerAccess>();
        services.AddSingleton<IChannelSender, WebChannelSender>();
        services.AddSingleton<ILiveUpdateSender, DirectLineLiveUpdates>();
        return services;
    }
}
