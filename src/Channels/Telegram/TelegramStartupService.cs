using Bot.Pipeline;
using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Telegram.Bot;
using Telegram.Bot.Exceptions;
using Telegram.Bot.Types;

namespace Bot.Channels.Telegram;

/// <summary>At start: the command menu (<c>setMyCommands</c> from manifests/telegram/commands.json) and, in webhook mode, <c>setWebhook</c>.</summary>
public sealed class TelegramStartupService(ITelegramBotClient client, TelegramBotInfo botInfo, IOptions<TelegramOptions> options, ILogger<TelegramStartupService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await client.SendRequest(TelegramRequests.SetMyCommands(Commands()), stoppingToken);
        }
        catch (RequestException exception)
        {
            TelegramLog.CommandsFailed(logger, exception);
        }
        if (!options.Value.IsWebhook)
        {
            return;
        }
        var bot = await botInfo.GetAsync(stoppingToken);
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await client.SendRequest(TelegramRequests.SetWebhook(options.Value.WebhookUrl!, options.Value.WebhookSecret!), stoppingToken);
                TelegramLog.Started(logger, bot.Username, "webhook");
                return;
            }
            catch (RequestException exception)
            {
                var delay = TelegramRetry.Backoff.After(attempt);
                TelegramLog.CallFailed(logger, exception, "setWebhook", delay);
                await Task.Delay(delay, stoppingToken);
            }
        }
    }

    /// <summary>The command list, embedded from manifests/telegram/commands.json.</summary>
    public static IReadOnlyList<BotCommand> Commands()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Bot.Channels.Telegram.commands.json")
            ?? throw new InvalidOperationException("manifests/telegram/commands.json is not embedded");
        return JsonSerializer.Deserialize<List<BotCommand>>(stream, JsonBotAPI.Options) ?? [];
    }
}
