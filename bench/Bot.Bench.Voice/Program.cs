using System.Diagnostics;
using System.Globalization;
using Bot.Bench.Voice;
using Bot.Speech;

// ./bot bench voice: each utterance spoken by espeak-ng in two voices at two speeds, decoded like a voice note
// (ffmpeg to 16 kHz mono) and sent through the local recogniser with the grammar built from the held symbols.
// Prints command accuracy (the exact command reached), word error rate against what was said, and real-time factor.
var options = new SpeechOptions();
if (!PocketSphinxRecognizer.IsInstalled(options) || !File.Exists("/usr/bin/espeak-ng"))
{
    Console.Error.WriteLine("The voice benchmark needs ffmpeg, pocketsphinx, pocketsphinx-en-us and espeak-ng (./bot bench voice installs them).");
    return 2;
}
var voices = new[] { ("en-us+klatt", 140), ("en-us+klatt", 175), ("en-us+f2", 140), ("en-us+f2", 175) };
var recognizer = new PocketSphinxRecognizer(options);
var decoder = new AudioDecoder(options);
var verbose = args.Contains("--verbose");
var symbols = SpokenSymbols.Common.Concat(Utterances.Held).ToList();

// Every utterance must read as its command when heard perfectly: the grammar and the interpreter agree.
foreach (var (spoken, command) in Utterances.All)
{
    var read = CommandGrammar.Interpret(CommandGrammar.Words(spoken), symbols);
    if (read != command)
    {
        Console.Error.WriteLine($"benchmark error: \"{spoken}\" reads as {read ?? "nothing"}, not {command}");
        return 1;
    }
}

Console.WriteLine($"voice benchmark: {Utterances.All.Length} utterances x {voices.Length} voice/speed pairs = {Utterances.All.Length * voices.Length} voice notes, {Environment.ProcessorCount} cores");
var work = Directory.CreateTempSubdirectory("bot-bench-voice-");
var rows = new List<(string Voice, bool Exact, bool ByGrammar, int Errors, int Words, double Audio, double Compute)>();
try
{
    foreach (var (voice, speed) in voices)
    {
        foreach (var (spoken, command) in Utterances.All)
        {
            var file = Path.Combine(work.FullName, "note.wav");
            using (var espeak = Process.Start(new ProcessStartInfo("espeak-ng", ["-v", voice, "-s", speed.ToString(CultureInfo.InvariantCulture), "-w", file, spoken.Replace(".", " ", StringComparison.Ordinal)]) { RedirectStandardError = true })!)
            {
                await espeak.WaitForExitAsync();
            }
            var clock = Stopwatch.StartNew();
            var audio = await decoder.DecodeAsync(await File.ReadAllBytesAsync(file), CancellationToken.None);
            var (transcript, byGrammar, _) = await recognizer.RecognizeAsync(audio, Utterances.Held, CancellationToken.None);
            var compute = clock.Elapsed.TotalSeconds;
            var reference = CommandGrammar.Words(spoken);
            var hypothesis = CommandGrammar.Words(byGrammar ? transcript.Text : transcript.Text);
            var errors = WordErrors(Normalize(reference), Normalize(hypothesis));
            var exact = transcript.Command == command;
            rows.Add(($"{voice} {speed} wpm", exact, byGrammar, errors, reference.Count, audio.Duration.TotalSeconds, compute));
            if (verbose || !exact)
            {
                Console.WriteLine($"  {(exact ? "ok  " : "MISS")} [{voice} {speed}] \"{spoken}\" -> heard \"{transcript.Text}\" -> {transcript.Command ?? "(free text)"}");
            }
        }
    }
}
finally
{
    work.Delete(recursive: true);
}

Console.WriteLine();
Console.WriteLine($"{"voice",-24} {"exact",10} {"WER",7} {"RTF",6}");
foreach (var group in rows.GroupBy(r => r.Voice))
{
    Print(group.Key, group.ToList());
}
Print("all", rows);
var total = rows.Count(r => r.Exact) * 100.0 / rows.Count;
var rtf = rows.Sum(r => r.Compute) / rows.Sum(r => r.Audio);
Console.WriteLine();
Console.WriteLine($"command accuracy {total:F1}% (goal >= 90%), real-time factor {rtf:F3} (goal < 1: faster than real time)");
return 0;

static void Print(string name, List<(string Voice, bool Exact, bool ByGrammar, int Errors, int Words, double Audio, double Compute)> rows) =>
    Console.WriteLine($"{name,-24} {rows.Count(r => r.Exact),4}/{rows.Count,-4} {rows.Sum(r => r.Errors) * 100.0 / rows.Sum(r => r.Words),6:F1}% {rows.Sum(r => r.Compute) / rows.Sum(r => r.Audio),6:F3}");

// Spelled symbols count as one word each way ("v. t. i." and "VTI").
static List<string> Normalize(IReadOnlyList<string> words) => CommandGrammar.Words(CommandGrammar.Display(words).ToLowerInvariant()).ToList();

static int WordErrors(List<string> reference, List<string> hypothesis)
{
    var previous = Enumerable.Range(0, hypothesis.Count + 1).ToArray();
    for (var i = 1; i <= reference.Count; i++)
    {
        var current = new int[hypothesis.Count + 1];
        current[0] = i;
        for (var j = 1; j <= hypothesis.Count; j++)
        {
            current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (reference[i - 1] == hypothesis[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[hypothesis.Count];
}
