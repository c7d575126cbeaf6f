using Bot.Speech;
using Bot.Tests.Support;

namespace Bot.Tests.Unit.Speech;

/// <summary>The decoder and the local recogniser on real audio (espeak-ng speech, ffmpeg encodings), as ./bot test installs them.</summary>
public class AudioDecoderTests
{
    private static readonly SpeechOptions Options = new() { MaxSeconds = 5, MaxBytes = 200_000 };

    [Fact]
    public async Task Speech_in_ogg_opus_is_decoded_to_16_kHz_mono_and_recognised_as_the_command()
    {
        var decoded = await new AudioDecoder(Options).DecodeAsync(await SpokenAudio.SpeakAsync("buy ten shares of apple limit one ninety"), CancellationToken.None);
        Assert.InRange(decoded.Duration.TotalSeconds, 1.0, 5.0);
        Assert.Equal(decoded.Wav.Length - DecodedAudio.HeaderLength, (int)(decoded.Duration.TotalSeconds * 32_000));

        var transcript = await new PocketSphinxRecognizer(Options).TranscribeAsync(decoded, SpeechContext.Default, CancellationToken.None);
        Assert.Equal("/buy 10 AAPL limit 190", transcript.Command);
        Assert.Equal("buy ten shares of apple limit one ninety", transcript.Text);
    }

    [Fact]
    public async Task Silence_is_refused_as_silence()
    {
        var error = await Assert.ThrowsAsync<SpeechException>(async () =>
            await new AudioDecoder(Options).DecodeAsync(await SpokenAudio.SilenceAsync(2), CancellationToken.None));
        Assert.Equal(SpeechFailure.Silence, error.Failure);
    }

    [Fact]
    public async Task Damaged_audio_is_refused_as_unreadable()
    {
        var audio = await SpokenAudio.SpeakAsync("show my portfolio");
        var error = await Assert.ThrowsAsync<SpeechException>(() => new AudioDecoder(Options).DecodeAsync(audio.AsMemory(0, 40).ToArray(), CancellationToken.None));
        Assert.Equal(SpeechFailure.Unreadable, error.Failure);
    }

    [Fact]
    public async Task A_note_over_the_duration_or_size_limit_is_refused_as_such()
    {
        var decoder = new AudioDecoder(Options);
        var tooLong = await Assert.ThrowsAsync<SpeechException>(async () => await decoder.DecodeAsync(await SpokenAudio.SilenceAsync(8), CancellationToken.None));
        Assert.Equal(SpeechFailure.TooLong, tooLong.Failure);
        var tooLarge = await Assert.ThrowsAsync<SpeechException>(() => decoder.DecodeAsync(new byte[200_001], CancellationToken.None));
        Assert.Equal(SpeechFailure.TooLarge, tooLarge.Failure);
    }
}
