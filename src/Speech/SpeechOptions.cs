namespace Bot.Speech;

/// <summary>The <c>Speech</c> settings section.</summary>
public sealed class SpeechOptions
{
    public const string Section = "Speech";

    /// <summary><c>local</c> (PocketSphinx on the box), <c>openai</c> (an OpenAI-compatible server) or <c>none</c>. Empty: <c>local</c> when its programs are installed, else <c>none</c>.</summary>
    public string? Provider { get; set; }

    /// <summary>Longest voice note transcribed, in seconds.</summary>
    public int MaxSeconds { get; set; } = 120;

    /// <summary>Largest voice note downloaded, in bytes.</summary>
    public long MaxBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Keep the original audio after transcription (off: it is dropped once the transcript is stored).</summary>
    public bool KeepAudio { get; set; }

    /// <summary>Where kept audio goes (with <see cref="KeepAudio"/>).</summary>
    public string AudioDirectory { get; set; } = ".data/voice";

    /// <summary>Path or name of ffmpeg.</summary>
    public string Ffmpeg { get; set; } = "ffmpeg";

    /// <summary>Path or name of the PocketSphinx recogniser (Debian's <c>pocketsphinx</c> package).</summary>
    public string PocketSphinx { get; set; } = "pocketsphinx_continuous";

    /// <summary>The PocketSphinx model directory (Debian's <c>pocketsphinx-en-us</c> package).</summary>
    public string ModelDirectory { get; set; } = "/usr/share/pocketsphinx/model/en-us";

    /// <summary>Base URL of the OpenAI-compatible server (provider <c>openai</c>), e.g. <c>https://api.openai.com/v1</c>.</summary>
    public string? OpenAIBaseUrl { get; set; }

    /// <summary>The key sent to that server (never logged).</summary>
    public string? OpenAIKey { get; set; }

    /// <summary>The transcription model.</summary>
    public string OpenAIModel { get; set; } = "whisper-1";
}
