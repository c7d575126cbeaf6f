using System.Buffers.Binary;
using System.Globalization;

namespace Bot.Speech;

/// <summary>Audio decoded to 16 kHz mono 16-bit PCM, as a WAV file's bytes.</summary>
public sealed record DecodedAudio(byte[] Wav, TimeSpan Duration)
{
    public const int SampleRate = 16_000;
    public const int HeaderLength = 44;

    public ReadOnlySpan<byte> Pcm => Wav.AsSpan(HeaderLength);

    /// <summary>Wraps 16 kHz mono 16-bit PCM in a WAV header.</summary>
    public static DecodedAudio FromPcm(ReadOnlySpan<byte> pcm)
    {
        var wav = new byte[HeaderLength + pcm.Length];
        "RIFF"u8.CopyTo(wav);
        BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(4), 36 + pcm.Length);
        "WAVEfmt "u8.CopyTo(wav.AsSpan(8));
        BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(16), 16);
        BinaryPrimitives.WriteInt16LittleEndian(wav.AsSpan(20), 1);
        BinaryPrimitives.WriteInt16LittleEndian(wav.AsSpan(22), 1);
        BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(24), SampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(28), SampleRate * 2);
        BinaryPrimitives.WriteInt16LittleEndian(wav.AsSpan(32), 2);
        BinaryPrimitives.WriteInt16LittleEndian(wav.AsSpan(34), 16);
        "data"u8.CopyTo(wav.AsSpan(36));
        BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(40), pcm.Length);
        pcm.CopyTo(wav.AsSpan(HeaderLength));
        return new DecodedAudio(wav, TimeSpan.FromSeconds(pcm.Length / 2.0 / SampleRate));
    }

    /// <summary>The loudest 20 ms window's RMS level relative to full scale (0..1).</summary>
    public double PeakLevel()
    {
        var pcm = Pcm;
        const int window = SampleRate / 50;
        double best = 0;
        for (var start = 0; start + 2 * window <= pcm.Length; start += 2 * window)
        {
            double sum = 0;
            for (var i = 0; i < window; i++)
            {
                double sample = BinaryPrimitives.ReadInt16LittleEndian(pcm.Slice(start + 2 * i, 2));
                sum += sample * sample;
            }
            best = Math.Max(best, Math.Sqrt(sum / window) / short.MaxValue);
        }
        return best;
    }
}

/// <summary>
/// Decodes any audio ffmpeg reads (OGG/Opus from Telegram, M4A/AAC from phones, WebM/Opus from browsers, MP3, WAV) to
/// 16 kHz mono, and checks the limits: size before decoding, duration and silence after.
/// </summary>
public sealed class AudioDecoder(SpeechOptions options)
{
    /// <summary>Below this level (about -50 dBFS) the loudest moment of a note counts as silence.</summary>
    public const double SilenceLevel = 0.003;

    public async Task<DecodedAudio> DecodeAsync(ReadOnlyMemory<byte> audio, CancellationToken cancellationToken)
    {
        if (audio.Length == 0)
        {
            throw new SpeechException(SpeechFailure.Unreadable, "The voice note was empty.");
        }
        if (audio.Length > options.MaxBytes)
        {
            throw new SpeechException(SpeechFailure.TooLarge, $"The voice note is too large ({audio.Length / 1024:N0} KB; the limit is {options.MaxBytes / 1024:N0} KB).");
        }
        var directory = Directory.CreateTempSubdirectory("bot-speech-");
        try
        {
            var input = Path.Combine(directory.FullName, "in");
            var output = Path.Combine(directory.FullName, "out.pcm");
            await File.WriteAllBytesAsync(input, audio, cancellationToken);
            // One second beyond the limit is decoded, so a note just over it is known to be too long without decoding an hour.
            var result = await ExternalProgram.RunAsync(options.Ffmpeg,
                ["-nostdin", "-hide_banner", "-loglevel", "error", "-i", input, "-t", (options.MaxSeconds + 1).ToString(CultureInfo.InvariantCulture),
                 "-vn", "-ac", "1", "-ar", DecodedAudio.SampleRate.ToString(CultureInfo.InvariantCulture), "-f", "s16le", "-acodec", "pcm_s16le", "-y", output],
                cancellationToken);
            var pcm = File.Exists(output) ? await File.ReadAllBytesAsync(output, cancellationToken) : [];
            if (result.ExitCode != 0 || pcm.Length < DecodedAudio.SampleRate / 10)
            {
                throw new SpeechException(SpeechFailure.Unreadable, "I could not read that audio: it is not a format I can decode, or the file is damaged.");
            }
            var decoded = DecodedAudio.FromPcm(pcm);
            if (decoded.Duration.TotalSeconds > options.MaxSeconds)
            {
                throw new SpeechException(SpeechFailure.TooLong, $"The voice note is longer than {options.MaxSeconds} seconds, the most I transcribe. Please send a shorter one.");
            }
            if (decoded.PeakLevel() < SilenceLevel)
            {
                throw new SpeechException(SpeechFailure.Silence, "I heard only silence in that voice note. Please try again closer to the microphone.");
            }
            return decoded;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
