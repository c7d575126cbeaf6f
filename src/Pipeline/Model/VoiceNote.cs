namespace Bot.Pipeline.Model;

/// <summary>
/// A voice or audio message as the channel announced it: a reference to the audio on the platform (never the audio
/// itself), fetched and transcribed in the turn, not in the request that recorded it.
/// </summary>
public sealed record VoiceNote
{
    /// <summary>The platform's reference: a Telegram <c>file_id</c>, a Slack file's private URL, a Teams attachment's content URL.</summary>
    public required string FileReference { get; init; }
    public string? MimeType { get; init; }
    /// <summary>The duration the platform states, in seconds (checked again after decoding).</summary>
    public int? DurationSeconds { get; init; }
    /// <summary>The size the platform states, in bytes (checked again while downloading).</summary>
    public long? Size { get; init; }
    /// <summary>Set on the person's thread event once transcribed: what was heard (before it was read as a command).</summary>
    public string? Heard { get; init; }
    /// <summary>Set on the person's thread event once transcribed: the decoded audio's length, in seconds.</summary>
    public double? DecodedSeconds { get; init; }
}

/// <summary>Fetches a channel's voice notes with that channel's credentials. One per channel that accepts voice.</summary>
public interface IVoiceNoteSource
{
    /// <summary>The channel name (<see cref="ConversationAddress.Channel"/>) it fetches for.</summary>
    string Channel { get; }

    /// <summary>The audio's bytes. Throws <see cref="VoiceNoteDownloadException"/> when it cannot, or when it is over MAXBYTES.</summary>
    Task<byte[]> DownloadAsync(VoiceNote note, long maxBytes, CancellationToken cancellationToken);
}

/// <summary>A voice note could not be fetched; <see cref="Exception.Message"/> is written for the person.</summary>
public sealed class VoiceNoteDownloadException(string message, bool tooLarge = false, Exception? inner = null) : Exception(message, inner)
{
    public bool TooLarge { get; } = tooLarge;
}
