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

/// <summary>
/// At start: the command menu (<c>setMyCommands</c> from manifests/telegram/commands.json), the menu button that opens
/// the web app as a Mini App (<c>setChatMenuButton</c>, when <c>Web:PublicBaseUrl</c> is https), and in webhook mode
/// <c>setWebhook</c>.
/// </summary>
public sealed class TelegramStartupService(
    ITelegramBotClient client, TelegramBotInfo botInfo, IOptions<TelegramOptions> options, IOptions<Bot.Pipeline.SignIn.WebSignInOptions> web, ILogger<TelegramStartupService> logger)
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
        if (MiniAppUrl(web.Value.PublicBaseUrl) is { } miniApp)
        {
            try
            {
                await client.SendRequest(TelegramRequests.SetMiniAppMenuButton(options.Value.MiniAppButtonText, miniApp), stoppingToken);
            }
            catch (RequestException exception)
            {
                TelegramLog.MenuButtonFailed(logger, exception); // the web app stays reachable by a /web link
            }
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

    /// <summary>
    /// The Mini App's address: the web app's entry page that signs in with Telegram's initData. Telegram opens
    /// only https Mini Apps; a loopback http address is allowed for local testing against a local Bot API.
    /// </summary>
    public static string? MiniAppUrl(string? publicBaseUrl) =>
        Uri.TryCreate(publicBaseUrl, UriKind.Absolute, out var baseUri) && (baseUri.Scheme == Uri.UriSchemeHttps || baseUri.IsLoopback)
            ? baseUri.ToString().TrimEnd('/') + "/telegram-app.html"
            : null;

    /// <summary>The command list, embedded from manifests/telegram/commands.json.</summary>
    public static IReadOnlyList<BotCommand> Commands()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Bot.Channels.Telegram.commands.json")
            ?? throw new InvalidOperationException("manifests/telegram/commands.json is not embedded");
        return JsonSerializer.Deserialize<List<BotCommand>>(stream, JsonBotAPI.Options) ?? [];
    }
}
