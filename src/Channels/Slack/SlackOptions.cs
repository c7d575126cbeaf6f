using System.ComponentModel.DataAnnotations;

namespace Bot.Channels.Slack;

/// <summary>Settings of the Slack channel (section <c>Slack</c>). The channel is off while <see cref="BotToken"/> is unset.</summary>
public sealed class SlackOptions : IValidatableObject
{
    public const string Section = "Slack";

    /// <summary>The bot user OAuth token (<c>xoxb-...</c>). Never logged.</summary>
    public string? BotToken { get; set; }

    /// <summary>The app's signing secret: every request from Slack is verified with it. Never logged.</summary>
    public string? SigningSecret { get; set; }

    /// <summary>An app-level token (<c>xapp-...</c>): when set, the bot also connects in Socket Mode. Never logged.</summary>
    public string? AppToken { get; set; }

    /// <summary>Where the Web API lives; tests point it at a fake.</summary>
    public string ApiBaseUrl { get; set; } = "https://slack.com/api";

    /// <summary>How far a request's timestamp may be from now, either way.</summary>
    [Range(1, 3600)]
    public int MaxClockSkewSeconds { get; set; } = 300;

    /// <summary>The largest request body accepted from Slack, in bytes.</summary>
    [Range(1024, 4 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    public bool Enabled => !string.IsNullOrWhiteSpace(BotToken);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }
        if (string.IsNullOrWhiteSpace(SigningSecret) && string.IsNullOrWhiteSpace(AppToken))
        {
            yield return new ValidationResult("Slack:SigningSecret is not set. Slack:BotToken is, so the Slack channel is on, and over HTTP it needs the app's signing secret to verify requests (or set Slack:AppToken for Socket Mode).", [nameof(SigningSecret)]);
        }
        if (!Uri.TryCreate(ApiBaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            yield return new ValidationResult($"Slack:ApiBaseUrl must be an absolute http(s) URL (it is '{ApiBaseUrl}').", [nameof(ApiBaseUrl)]);
        }
    }
}
