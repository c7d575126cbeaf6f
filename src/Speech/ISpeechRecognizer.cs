namespace Bot.Speech;

/// <summary>Turns a voice note into text. Implementations: <see cref="PocketSphinxRecognizer"/>, <see cref="NoSpeechRecognizer"/>.</summary>
public interface ISpeechRecognizer
{
    /// <summary>Short name for messages and logs: <c>local</c>, <c>openai</c>, <c>none</c>.</summary>
    string Name { get; }

    /// <summary>Whether voice notes can be transcribed at all (false: answer how to set it up).</summary>
    bool Available { get; }

    /// <summary>Transcribes 16 kHz mono audio (see <see cref="AudioDecoder"/>). Throws <see cref="SpeechException"/> on audio it cannot use.</summary>
    Task<Transcript> TranscribeAsync(DecodedAudio audio, SpeechContext context, CancellationToken cancellationToken);
}

/// <summary>What the recogniser may expect: the symbols the person holds (and so may say).</summary>
public sealed record SpeechContext(IReadOnlyCollection<string> Symbols)
{
    public static SpeechContext Default { get; } = new(SpokenSymbols.Common);
}

/// <summary>
/// What was heard. <see cref="Text"/> is what the person said as text (what the reply shows); <see cref="Command"/>
/// is the slash command it was recognised as, when it was one (<c>/buy 10 AAPL limit 190</c>), else null.
/// </summary>
public sealed record Transcript(string Text, string? Command, TimeSpan Duration)
{
    /// <summary>What the agent receives as the person's message: the command when one was recognised, else the text.</summary>
    public string MessageText => Command ?? Text;
}

/// <summary>Why a voice note could not be transcribed; <see cref="Message"/> is written for the person.</summary>
public sealed class SpeechException(SpeechFailure failure, string message) : Exception(message)
{
    public SpeechFailure Failure { get; } = failure;
}

public enum SpeechFailure
{
    NotConfigured,
    TooLarge,
    TooLong,
    Unreadable,
    Silence,
    DownloadFailed,
    RecognizerFailed,
}

/// <summary>Provider <c>none</c>: every voice note is answered with how to set voice up.</summary>
public sealed class NoSpeechRecognizer : ISpeechRecognizer
{
    public const string SetupHelp =
        "Voice notes are not set up on this bot, so I could not listen to yours. Type your message instead. " +
        "To turn voice on, the operator sets `Speech:Provider` to `local` (needs the Debian packages `pocketsphinx`, " +
        "`pocketsphinx-en-us` and `ffmpeg`; `./bot run` installs them) or to `openai` with `Speech:OpenAIBaseUrl`, " +
        "`Speech:OpenAIKey` and `Speech:OpenAIModel` for an OpenAI-compatible transcription server.";

    public string Name => "none";
    public bool Available => false;

    public Task<Transcript> TranscribeAsync(DecodedAudio audio, SpeechContext context, CancellationToken cancellationToken) =>
        throw new SpeechException(SpeechFailure.NotConfigured, SetupHelp);
}
