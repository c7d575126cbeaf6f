using Bot.Pipeline;
using Bot.Pipeline.Model;
using Bot.Storage.Entities;
using Microsoft.Extensions.Logging;

namespace Bot.Speech;

/// <summary>
/// Wraps the agent's turn handler: a voice note is fetched with its channel's credentials, decoded and transcribed
/// here, in the turn (never in the request that recorded it), the transcript is stored as the person's message (a
/// thread event with the duration and the reference to the original), the reply starts by showing what was heard, and
/// the agent answers the transcript like typed text. Audio that cannot be used gets a clear answer and nothing more.
/// </summary>
public sealed partial class SpeechTurnHandler(
    ITurnHandler inner,
    ISpeechRecognizer recognizer,
    AudioDecoder decoder,
    IEnumerable<IVoiceNoteSource> sources,
    ISpeechVocabulary vocabulary,
    SpeechOptions options,
    ILogger<SpeechTurnHandler> logger) : ITurnHandler
{
    /// <summary>
    /// A voice note never: it writes its transcript to the thread while it runs, after the turns before it. Anything else
    /// as the agent says.
    /// </summary>
    public bool MayRunAhead(IncomingMessage message) => message.Voice is null && inner.MayRunAhead(message);

    public async Task HandleAsync(TurnContext turn, CancellationToken cancellationToken)
    {
        if (turn.Message.Voice is not { } voice)
        {
            await inner.HandleAsync(turn, cancellationToken);
            return;
        }
        // A turn re-run after a crash finds the transcript it stored before: it is not fetched and heard again.
        var stored = turn.ResumedSteps.LastOrDefault(s => s.Role == EventRoles.User && s.Content.Voice?.Heard is not null).Content;
        string text;
        if (stored is not null)
        {
            text = stored.Text!;
            turn.Reply(HeardLine(stored.Voice!.Heard!, text));
        }
        else
        {
            var heard = await TranscribeAsync(turn, voice, cancellationToken);
            if (heard is null)
            {
                return;
            }
            text = heard.MessageText;
            await turn.RecordStepAsync(EventRoles.User, new EventContent
            {
                Text = text,
                Voice = voice with { Heard = heard.Text, DecodedSeconds = Math.Round(heard.Duration.TotalSeconds, 1) },
            }, cancellationToken);
            turn.Reply(HeardLine(heard.Text, text));
        }
        turn.UseTranscript(text);
        await inner.HandleAsync(turn, cancellationToken);
    }

    /// <summary>The first line of the answer: what was heard, and the command it was read as.</summary>
    internal static string HeardLine(string heard, string messageText) =>
        messageText.StartsWith('/') ? $"🎤 I heard: “{heard}” → `{messageText}`" : $"🎤 I heard: “{heard}”";

    private async Task<Transcript?> TranscribeAsync(TurnContext turn, VoiceNote voice, CancellationToken cancellationToken)
    {
        if (!recognizer.Available)
        {
            turn.Reply(NoSpeechRecognizer.SetupHelp);
            return null;
        }
        if (voice.DurationSeconds > options.MaxSeconds)
        {
            turn.Reply($"The voice note is longer than {options.MaxSeconds} seconds, the most I transcribe. Please send a shorter one, or type your message.");
            return null;
        }
        var source = sources.FirstOrDefault(s => s.Channel == turn.Message.Address.Channel);
        if (source is null)
        {
            turn.Reply("I cannot fetch voice notes on this channel yet. Please type your message.");
            return null;
        }
        byte[] audio;
        try
        {
            audio = await source.DownloadAsync(voice, options.MaxBytes, cancellationToken);
        }
        catch (VoiceNoteDownloadException e)
        {
            LogDownloadFailed(logger, e, turn.Message.Address.Channel);
            turn.Reply(e.Message);
            return null;
        }
        try
        {
            var decoded = await decoder.DecodeAsync(audio, cancellationToken);
            var symbols = await vocabulary.SymbolsAsync(turn.UserId, cancellationToken);
            var transcript = await recognizer.TranscribeAsync(decoded, new SpeechContext(symbols), cancellationToken);
            await KeepAsync(turn, voice, audio, cancellationToken);
            return transcript;
        }
        catch (SpeechException e)
        {
            LogNotTranscribed(logger, e.Failure, turn.Message.Address.Channel);
            turn.Reply(e.Message);
            return null;
        }
    }

    /// <summary>With <c>Speech:KeepAudio</c>, the original audio is written to <c>Speech:AudioDirectory</c>, named by the turn.</summary>
    private async Task KeepAsync(TurnContext turn, VoiceNote voice, byte[] audio, CancellationToken cancellationToken)
    {
        if (!options.KeepAudio)
        {
            return;
        }
        Directory.CreateDirectory(options.AudioDirectory);
        var extension = voice.MimeType switch { "audio/ogg" => ".ogg", "audio/webm" => ".webm", "audio/mpeg" => ".mp3", "audio/wav" or "audio/x-wav" => ".wav", _ => ".audio" };
        await File.WriteAllBytesAsync(Path.Combine(options.AudioDirectory, turn.TurnId.ToString("N") + extension), audio, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not fetch a {Channel} voice note")]
    private static partial void LogDownloadFailed(ILogger logger, Exception exception, string channel);

    [LoggerMessage(Level = LogLevel.Information, Message = "A {Channel} voice note was not transcribed: {Failure}")]
    private static partial void LogNotTranscribed(ILogger logger, SpeechFailure failure, string channel);
}

/// <summary>The symbols a person may say: those they hold, for the command grammar. The host supplies the holdings.</summary>
public interface ISpeechVocabulary
{
    Task<IReadOnlyCollection<string>> SymbolsAsync(Guid userId, CancellationToken cancellationToken);
}

/// <summary>Only the common symbols (when no holdings are known).</summary>
public sealed class CommonSymbolsVocabulary : ISpeechVocabulary
{
    public Task<IReadOnlyCollection<string>> SymbolsAsync(Guid userId, CancellationToken cancellationToken) =>
        Task.FromResult(SpokenSymbols.Common);
}
