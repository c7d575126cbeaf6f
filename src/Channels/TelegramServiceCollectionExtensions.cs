using Bot.Channels.Inbound;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Bot.Pipeline;
using Bot.Pipeline.Model;
using Bot.Channels.Telegram;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Telegram.Bot;

namespace Bot.Channels;

public static class TelegramServiceCollectionExtensions
{
    public const string HttpClientName = "telegram";

    /// <summary>The Telegram channel: off unless <c>Telegram:BotToken</c> is set; polling by default, or webhook.</summary>
    public static IServiceCollection AddTelegramChannel(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TelegramOptions>().BindConfiguration(TelegramOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TelegramOptions>, TelegramOptionsValidator>();
        var settings = configuration.GetSection(TelegramOptions.Section).Get<TelegramOptions>() ?? new TelegramOptions();
        if (!settings.Enabled)
        {
            return services;
        }
        // No request logging: the request URL carries the bot token. The timeout outlasts the long poll.
        services.AddHttpClient(HttpClientName, http => http.Timeout = TelegramBotClientFactory.HttpTimeout).RemoveAllLoggers()
            .AddTypedClient<ITelegramBotClient>((http, provider) =>
                TelegramBotClientFactory.Create(provider.GetRequiredService<IOptions<TelegramOptions>>().Value, http));
        services.AddSingleton<TelegramBotInfo>();
        services.AddSingleton<TelegramStateStore>();
        services.AddSingleton<TelegramStreams>();
        services.TryAddSingleton<InboundSeam>();
        services.AddSingleton<TelegramUpdateHandler>();
        services.AddSingleton<IChannelSender, TelegramChannelSender>();
        services.AddSingleton<IVoiceNoteSource, TelegramVoiceNotes>();
        services.AddSingleton<ILiveUpdateSender, TelegramLiveUpdates>();
        services.AddHostedService<TelegramStartupService>();
        if (!settings.IsWebhook)
        {
            services.AddHostedService<TelegramPollingService>();
        }
        return services;
    }
}
