using Bot.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Bot.Speech;

public static class SpeechServiceCollectionExtensions
{
    /// <summary>
    /// Voice notes: <c>Speech:Provider</c> picks the recogniser (<c>local</c>, <c>openai</c>, <c>none</c>; unset: local
    /// when ffmpeg and PocketSphinx are installed, else none) and the agent's turn handler is wrapped so a voice note is
    /// transcribed before the agent sees it. Must come after the agent (and anything else) registers its handler.
    /// </summary>
    public static IServiceCollection AddSpeech(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(SpeechOptions.Section).Get<SpeechOptions>() ?? new SpeechOptions();
        var provider = (options.Provider ?? string.Empty).Trim().ToLowerInvariant();
        if (provider.Length == 0)
        {
            provider = PocketSphinxRecognizer.IsInstalled(options) ? "local" : "none";
        }
        services.AddSingleton(options);
        services.AddSingleton<AudioDecoder>();
        services.TryAddSingleton<ISpeechVocabulary, CommonSymbolsVocabulary>();
        switch (provider)
        {
            case "local":
                services.AddSingleton<ISpeechRecognizer, PocketSphinxRecognizer>();
                break;
            case "openai":
                _ = new OpenAISpeechRecognizer(options); // checks the settings at start, naming any that is missing
                services.AddSingleton<ISpeechRecognizer, OpenAISpeechRecognizer>();
                break;
            case "none":
                services.AddSingleton<ISpeechRecognizer, NoSpeechRecognizer>();
                break;
            default:
                throw new InvalidOperationException($"Speech:Provider is '{options.Provider}'; use local, openai or none.");
        }

        services.DecorateTurnHandler((sp, inner) => ActivatorUtilities.CreateInstance<SpeechTurnHandler>(sp, inner), "AddSpeech");
        return services;
    }
}
