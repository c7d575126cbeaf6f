using System.ClientModel;
using System.ClientModel.Primitives;
using OpenAI;
using OpenAI.Audio;

namespace Bot.Speech;

/// <summary>
/// Any OpenAI-compatible <c>/v1/audio/transcriptions</c> server (OpenAI itself, or a self-hosted Whisper server) through
/// the official SDK's <see cref="AudioClient"/>: base URL, key and model from <c>Speech:OpenAI*</c>. It is sent the
/// decoded audio (16 kHz mono WAV), so the limits are checked the same way as for the local recogniser. Its text is free
/// text: a model such as Whisper writes "Buy 10 shares of Apple", which the agent reads as it would a typed sentence.
/// </summary>
public sealed class OpenAISpeechRecognizer : ISpeechRecognizer
{
    private readonly AudioClient client;

    public OpenAISpeechRecognizer(SpeechOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.OpenAIBaseUrl) || !Uri.TryCreate(options.OpenAIBaseUrl, UriKind.Absolute, out var endpoint))
        {
            throw new InvalidOperationException("Speech:Provider is openai, so Speech:OpenAIBaseUrl must be the server's absolute URL (for example https://api.openai.com/v1).");
        }
        if (string.IsNullOrWhiteSpace(options.OpenAIKey))
        {
            throw new InvalidOperationException("Speech:Provider is openai, so Speech:OpenAIKey must be set (a self-hosted server that ignores keys still needs a placeholder).");
        }
        client = new AudioClient(options.OpenAIModel, new ApiKeyCredential(options.OpenAIKey),
            new OpenAIClientOptions { Endpoint = endpoint, RetryPolicy = new ClientRetryPolicy(maxRetries: 1), NetworkTimeout = TimeSpan.FromSeconds(60) });
    }

    public string Name => "openai";

    public bool Available => true;

    public async Task<Transcript> TranscribeAsync(DecodedAudio audio, SpeechContext context, CancellationToken cancellationToken)
    {
        AudioTranscription transcription;
        try
        {
            using var stream = new MemoryStream(audio.Wav, writable: false);
            transcription = (await client.TranscribeAudioAsync(stream, "voice-note.wav", new AudioTranscriptionOptions { ResponseFormat = AudioTranscriptionFormat.Simple }, cancellationToken)).Value;
        }
        catch (ClientResultException)
        {
            throw new SpeechException(SpeechFailure.RecognizerFailed, "The transcription service did not answer for that voice note. Please try again, or type your message.");
        }
        catch (HttpRequestException)
        {
            throw new SpeechException(SpeechFailure.RecognizerFailed, "The transcription service could not be reached. Please try again, or type your message.");
        }
        var text = transcription.Text?.Trim() ?? string.Empty;
        if (text.Length == 0)
        {
            throw new SpeechException(SpeechFailure.Silence, "I could not make out any words in that voice note. Please try again, or type your message.");
        }
        return new Transcript(text, null, audio.Duration);
    }
}
