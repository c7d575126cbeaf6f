using System.Text;
using Bot.Speech;
using Bot.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bot.Tests.Unit.Speech;

/// <summary>
/// The openai provider against a loopback server that holds requests to the shape of OpenAI's
/// <c>POST /v1/audio/transcriptions</c> (multipart/form-data: <c>file</c> with a file name and <c>model</c> required,
/// <c>response_format</c> one of json, text, srt, verbose_json, vtt; <c>Authorization: Bearer KEY</c>; JSON
/// <c>{"text": ...}</c> back, errors as <c>{"error": {"message", "type", "param", "code"}}</c>).
/// </summary>
public sealed class OpenAISpeechRecognizerTests : IAsyncLifetime
{
    private const string Key = "test-key-not-a-secret";
    private static readonly string[] Formats = ["json", "text", "srt", "verbose_json", "vtt"];

    private WebApplication? server;
    private int port;
    private readonly List<(string Model, string FileName, byte[] File, string? Format)> received = [];
    private string answer = "Show my portfolio.";

    public async Task InitializeAsync()
    {
        port = Ports.GetFree();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        server = builder.Build();
        server.MapPost("/v1/audio/transcriptions", (Delegate)TranscribeAsync);
        await server.StartAsync();
    }

    private async Task<IResult> TranscribeAsync(HttpContext context)
    {
        if (context.Request.Headers.Authorization.ToString() != "Bearer " + Key)
        {
            return Error(401, "Incorrect API key provided.", "invalid_request_error", null, "invalid_api_key");
        }
        if (!context.Request.HasFormContentType || !(context.Request.ContentType ?? "").StartsWith("multipart/form-data", StringComparison.Ordinal))
        {
            return Error(400, "Expected multipart/form-data.", "invalid_request_error", null, null);
        }
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var file = form.Files.GetFile("file");
        var model = form["model"].ToString();
        var format = form.TryGetValue("response_format", out var f) ? f.ToString() : null;
        if (file is null || string.IsNullOrEmpty(file.FileName))
        {
            return Error(400, "Missing required parameter: 'file'.", "invalid_request_error", "file", null);
        }
        if (model.Length == 0)
        {
            return Error(400, "Missing required parameter: 'model'.", "invalid_request_error", "model", null);
        }
        if (format is not null && !Formats.Contains(format))
        {
            return Error(400, $"Invalid response_format '{format}'.", "invalid_request_error", "response_format", null);
        }
        using var bytes = new MemoryStream();
        await file.CopyToAsync(bytes, context.RequestAborted);
        lock (received)
        {
            received.Add((model, file.FileName, bytes.ToArray(), format));
        }
        return format == "text" ? Results.Text(answer) : Results.Json(new { text = answer });
    }

    private static IResult Error(int status, string message, string type, string? param, string? code) =>
        Results.Json(new { error = new { message, type, param, code } }, statusCode: status);

    private SpeechOptions Options(string key = Key) => new()
    {
        Provider = "openai",
        OpenAIBaseUrl = $"http://127.0.0.1:{port}/v1",
        OpenAIKey = key,
        OpenAIModel = "whisper-1",
    };

    [Fact]
    public async Task The_decoded_note_goes_to_the_server_as_a_wav_file_with_the_model_and_its_text_comes_back_as_free_text()
    {
        var audio = await new AudioDecoder(Options()).DecodeAsync(await SpokenAudio.SpeakAsync("show my portfolio"), CancellationToken.None);
        var transcript = await new OpenAISpeechRecognizer(Options()).TranscribeAsync(audio, SpeechContext.Default, CancellationToken.None);

        Assert.Equal("Show my portfolio.", transcript.Text);
        Assert.Null(transcript.Command);
        Assert.Equal("Show my portfolio.", transcript.MessageText);
        var request = Assert.Single(received);
        Assert.Equal("whisper-1", request.Model);
        Assert.EndsWith(".wav", request.FileName, StringComparison.Ordinal);
        Assert.Equal("RIFF", Encoding.ASCII.GetString(request.File, 0, 4));
        Assert.Equal(audio.Wav.Length, request.File.Length);
    }

    [Fact]
    public async Task A_refused_key_is_a_clear_failure_that_does_not_show_the_key()
    {
        var audio = await new AudioDecoder(Options()).DecodeAsync(await SpokenAudio.SpeakAsync("help"), CancellationToken.None);
        var error = await Assert.ThrowsAsync<SpeechException>(() => new OpenAISpeechRecognizer(Options("wrong-test-key")).TranscribeAsync(audio, SpeechContext.Default, CancellationToken.None));
        Assert.Equal(SpeechFailure.RecognizerFailed, error.Failure);
        Assert.DoesNotContain("wrong-test-key", error.Message, StringComparison.Ordinal);
        Assert.Empty(received);
    }

    [Fact]
    public async Task An_empty_transcription_reads_as_no_words()
    {
        answer = "";
        var audio = await new AudioDecoder(Options()).DecodeAsync(await SpokenAudio.SpeakAsync("help"), CancellationToken.None);
        var error = await Assert.ThrowsAsync<SpeechException>(() => new OpenAISpeechRecognizer(Options()).TranscribeAsync(audio, SpeechContext.Default, CancellationToken.None));
        Assert.Equal(SpeechFailure.Silence, error.Failure);
    }

    [Fact]
    public void Missing_settings_are_named_at_start()
    {
        var noKey = Assert.Throws<InvalidOperationException>(() => new OpenAISpeechRecognizer(Options(key: "")));
        Assert.Contains("Speech:OpenAIKey", noKey.Message, StringComparison.Ordinal);
        var noUrl = Assert.Throws<InvalidOperationException>(() => new OpenAISpeechRecognizer(new SpeechOptions { Provider = "openai", OpenAIKey = Key }));
        Assert.Contains("Speech:OpenAIBaseUrl", noUrl.Message, StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.StopAsync();
            await server.DisposeAsync();
        }
    }
}
