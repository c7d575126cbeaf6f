using System.Diagnostics;
using System.Globalization;

namespace Bot.Speech;

/// <summary>
/// CMU PocketSphinx on the box (Debian's <c>pocketsphinx</c> and <c>pocketsphinx-en-us</c>): first against the command
/// grammar built from the command set and the person's symbols; when that yields no whole command, again with the
/// open-vocabulary language model, and the words are passed on as free text.
/// </summary>
public sealed class PocketSphinxRecognizer(SpeechOptions options) : ISpeechRecognizer
{
    /// <summary>Word insertion penalty for the grammar search: lower than PocketSphinx's 0.65, which inserted stray digits ("two") in numbers.</summary>
    private const string GrammarWordInsertion = "0.05";

    public string Name => "local";

    public bool Available => IsInstalled(options);

    /// <summary>True when ffmpeg, the recogniser and its English model are present.</summary>
    public static bool IsInstalled(SpeechOptions options) =>
        ExternalProgram.Exists(options.Ffmpeg) && ExternalProgram.Exists(options.PocketSphinx)
        && File.Exists(Path.Combine(options.ModelDirectory, "cmudict-en-us.dict"))
        && File.Exists(Path.Combine(options.ModelDirectory, "en-us.lm.bin"));

    public async Task<Transcript> TranscribeAsync(DecodedAudio audio, SpeechContext context, CancellationToken cancellationToken)
    {
        var result = await RecognizeAsync(audio, context.Symbols, cancellationToken);
        return result.Transcript;
    }

    /// <summary>The transcript, with whether the grammar pass reached it (for the benchmark) and the time spent.</summary>
    internal async Task<(Transcript Transcript, bool ByGrammar, TimeSpan Elapsed)> RecognizeAsync(DecodedAudio audio, IReadOnlyCollection<string> symbols, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var directory = Directory.CreateTempSubdirectory("bot-sphinx-");
        try
        {
            var wav = Path.Combine(directory.FullName, "note.wav");
            var grammar = Path.Combine(directory.FullName, "commands.gram");
            await File.WriteAllBytesAsync(wav, audio.Wav, cancellationToken);
            await File.WriteAllTextAsync(grammar, CommandGrammar.Build(symbols), cancellationToken);

            var heard = await RunAsync(wav, ["-jsgf", grammar, "-wip", GrammarWordInsertion], cancellationToken);
            if (heard.Count == 1)
            {
                var words = CommandGrammar.Words(heard[0]);
                if (CommandGrammar.Interpret(words, symbols) is { } command)
                {
                    return (new Transcript(CommandGrammar.Display(words), command, audio.Duration), true, clock.Elapsed);
                }
            }
            var free = await RunAsync(wav, ["-lm", Path.Combine(options.ModelDirectory, "en-us.lm.bin")], cancellationToken);
            var text = string.Join(' ', free.Select(line => CommandGrammar.Display(CommandGrammar.Words(line))));
            if (text.Length == 0)
            {
                throw new SpeechException(SpeechFailure.Silence, "I could not make out any words in that voice note. Please try again, or type your message.");
            }
            return (new Transcript(text, null, audio.Duration), false, clock.Elapsed);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>Runs the recogniser on WAV; returns its hypotheses, one per stretch of speech it found.</summary>
    private async Task<List<string>> RunAsync(string wav, string[] search, CancellationToken cancellationToken)
    {
        string[] common =
        [
            "-infile", wav,
            "-hmm", Path.Combine(options.ModelDirectory, "en-us"),
            "-dict", Path.Combine(options.ModelDirectory, "cmudict-en-us.dict"),
            "-samprate", DecodedAudio.SampleRate.ToString(CultureInfo.InvariantCulture),
            "-logfn", "/dev/null",
        ];
        var result = await ExternalProgram.RunAsync(options.PocketSphinx, common.Concat(search), cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new SpeechException(SpeechFailure.RecognizerFailed, "The speech recogniser failed on that voice note. Please try again, or type your message.");
        }
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !line.StartsWith("INFO:", StringComparison.Ordinal) && !line.StartsWith("ERROR:", StringComparison.Ordinal)
                           && !line.StartsWith("WARN", StringComparison.Ordinal))
            .ToList();
    }
}
