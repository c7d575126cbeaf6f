using Bot.Pipeline.Model;
using Telegram.Bot;
using Telegram.Bot.Exceptions;

namespace Bot.Channels.Telegram;

/// <summary>Fetches a Telegram voice note with the bot's token: <c>getFile</c>, then the file from the file endpoint.</summary>
public sealed class TelegramVoiceNotes(ITelegramBotClient client) : IVoiceNoteSource
{
    public string Channel => TelegramMapper.Channel;

    public async Task<byte[]> DownloadAsync(VoiceNote note, long maxBytes, CancellationToken cancellationToken)
    {
        if (note.Size > maxBytes)
        {
            throw new VoiceNoteDownloadException($"The voice note is too large ({note.Size / 1024:N0} KB; the limit is {maxBytes / 1024:N0} KB).", tooLarge: true);
        }
        try
        {
            var file = await client.GetFile(note.FileReference, cancellationToken);
            if (file.FilePath is null)
            {
                throw new VoiceNoteDownloadException("Telegram did not give me the voice note's file. Please send it again.");
            }
            if (file.FileSize > maxBytes)
            {
                throw new VoiceNoteDownloadException($"The voice note is too large ({file.FileSize / 1024:N0} KB; the limit is {maxBytes / 1024:N0} KB).", tooLarge: true);
            }
            await using var buffer = new LimitedStream(maxBytes);
            await client.DownloadFile(file.FilePath, buffer, cancellationToken);
            return buffer.ToArray();
        }
        catch (ApiRequestException e)
        {
            throw new VoiceNoteDownloadException("I could not fetch the voice note from Telegram. Please send it again.", inner: e);
        }
        catch (RequestException e)
        {
            throw new VoiceNoteDownloadException("I could not fetch the voice note from Telegram. Please send it again.", inner: e);
        }
        catch (HttpRequestException e)
        {
            throw new VoiceNoteDownloadException("I could not fetch the voice note from Telegram. Please send it again.", inner: e);
        }
    }

    /// <summary>A memory stream that refuses to grow past its limit (a file larger than Telegram said).</summary>
    private sealed class LimitedStream(long limit) : MemoryStream
    {
        public override void Write(byte[] buffer, int offset, int count)
        {
            Check(count);
            base.Write(buffer, offset, count);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Check(buffer.Length);
            base.Write(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Check(count);
            return base.WriteAsync(buffer, offset, count, cancellationToken);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Check(buffer.Length);
            return base.WriteAsync(buffer, cancellationToken);
        }

        private void Check(int count)
        {
            if (Length + count > limit)
            {
                throw new VoiceNoteDownloadException($"The voice note is larger than the limit ({limit / 1024:N0} KB).", tooLarge: true);
            }
        }
    }
}
