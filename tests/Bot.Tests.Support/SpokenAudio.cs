using System.Diagnostics;

namespace Bot.Tests.Support;

/// <summary>Speech made for tests: espeak-ng says the words, ffmpeg encodes them as a phone or browser would send them.</summary>
public static class SpokenAudio
{
    /// <summary>WORDS spoken (espeak-ng, US English), encoded as ffmpeg FORMAT with CODEC (OGG/Opus like a Telegram voice note by default).</summary>
    public static async Task<byte[]> SpeakAsync(string words, string format = "ogg", string codec = "libopus", string voice = "en-us+klatt", int wordsPerMinute = 150)
    {
        var directory = Directory.CreateTempSubdirectory("bot-test-speech-");
        try
        {
            var wav = Path.Combine(directory.FullName, "said.wav");
            var output = Path.Combine(directory.FullName, "said." + format);
            await RunAsync("espeak-ng", ["-v", voice, "-s", wordsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture), "-w", wav, words]);
            await RunAsync("ffmpeg", ["-nostdin", "-loglevel", "error", "-y", "-i", wav, "-ac", "1", "-ar", "48000", "-c:a", codec, "-f", format, output]);
            return await File.ReadAllBytesAsync(output);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>SECONDS of digital silence, encoded as FORMAT.</summary>
    public static async Task<byte[]> SilenceAsync(double seconds, string format = "ogg", string codec = "libopus")
    {
        var directory = Directory.CreateTempSubdirectory("bot-test-speech-");
        try
        {
            var output = Path.Combine(directory.FullName, "silence." + format);
            await RunAsync("ffmpeg", ["-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-t",
                seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "-c:a", codec, "-f", format, output]);
            return await File.ReadAllBytesAsync(output);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task RunAsync(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException(program + " did not start");
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} failed: {await error}");
        }
    }
}
