using Microsoft.Extensions.Options;

namespace Bot.Channels.Telegram;

/// <summary>Settings of the Telegram channel (section <c>Telegram</c>). No <see cref="BotToken"/> = the channel is off.</summary>
public sealed class TelegramOptions
{
    public const string Section = "Telegram";

    public string? BotToken { get; set; }

    public string ApiBaseUrl { get; set; } = "https://api.telegram.org";

    /// <summary><c>polling</c> (one box) or <c>webhook</c> (several replicas).</summary>
    public string Mode { get; set; } = "polling";

    /// <summary>The <c>secret_token</c> given to <c>setWebhook</c>; Telegram echoes it in a header on every call.</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>The public HTTPS address of <c>/telegram/webhook</c> that Telegram calls (webhook mode).</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>The largest webhook update accepted, in bytes (Bot API updates with text are a few kilobytes).</summary>
    public int MaxUpdateBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// How old a Mini App's initData may be when it signs in, in seconds (its <c>auth_date</c>). The page posts it as it
    /// opens, so minutes are plenty; a copied initData stops working after this.
    /// </summary>
    public int MiniAppMaxAgeSeconds { get; set; } = 600;

    /// <summary>The text of the menu button that opens the web app inside Telegram (set when <c>Web:PublicBaseUrl</c> is https).</summary>
    public string MiniAppButtonText { get; set; } = "Open app";

    public bool Enabled => !string.IsNullOrWhiteSpace(BotToken);

    public bool IsWebhook => string.Equals(Mode, "webhook", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Checks the settings at start; each message names the setting.</summary>
public sealed class TelegramOptionsValidator : IValidateOptions<TelegramOptions>
{
    public ValidateOptionsResult Validate(string? name, TelegramOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }
        var failures = new List<string>();
        if (!Uri.TryCreate(options.ApiBaseUrl, UriKind.Absolute, out var api) || (api.Scheme != Uri.UriSchemeHttps && api.Scheme != Uri.UriSchemeHttp))
        {
            failures.Add("Telegram:ApiBaseUrl must be an absolute http(s) URL.");
        }
        else if (api.AbsolutePath != "/" || api.Query.Length > 0)
        {
            // Telegram.Bot keeps only scheme, host and port, and would silently drop a path.
            failures.Add("Telegram:ApiBaseUrl must name a server only (scheme, host and optional port), without a path.");
        }
        if (!HasBotTokenShape(options.BotToken!))
        {
            // Never echo the token itself.
            failures.Add("Telegram:BotToken must look like <bot id>:<secret>, the form BotFather gives.");
        }
        if (!string.Equals(options.Mode, "polling", StringComparison.OrdinalIgnoreCase) && !options.IsWebhook)
        {
            failures.Add("Telegram:Mode must be 'polling' or 'webhook'.");
        }
        if (options.MiniAppMaxAgeSeconds is < 30 or > 86400)
        {
            failures.Add("Telegram:MiniAppMaxAgeSeconds must be between 30 and 86400.");
        }
        if (string.IsNullOrWhiteSpace(options.MiniAppButtonText) || options.MiniAppButtonText.Length > 64)
        {
            failures.Add("Telegram:MiniAppButtonText must be 1-64 characters.");
        }
        if (options.IsWebhook)
        {
            if (string.IsNullOrEmpty(options.WebhookSecret) || options.WebhookSecret.Length > 256
                || !options.WebhookSecret.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                failures.Add("Telegram:WebhookSecret is required in webhook mode: 1-256 characters of A-Z, a-z, 0-9, _ and -.");
            }
            if (!Uri.TryCreate(options.WebhookUrl, UriKind.Absolute, out _))
            {
                failures.Add("Telegram:WebhookUrl is required in webhook mode: the absolute URL of /telegram/webhook that Telegram calls.");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The bot id before the colon is what Telegram.Bot parses (and refuses to start without).</summary>
    private static bool HasBotTokenShape(string token)
    {
        var colon = token.IndexOf(':', StringComparison.Ordinal);
        return colon is >= 1 and <= 16 && colon < token.Length - 1 && token[..colon].All(char.IsAsciiDigit);
    }
}
