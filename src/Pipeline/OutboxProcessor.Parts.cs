using Bot.Pipeline.Model;
using Bot.Storage.Entities;

namespace Bot.Pipeline;

/// <summary>
/// Replies in parts and the caps on a reply. A channel that splits a long message records each part but the last as it
/// is delivered (<see cref="OutboundDelivery.RecordPartAsync"/>, written here and nowhere else); a retry, or another
/// replica after a crash, is handed the recorded parts and goes on from the first one not sent. A row given up after
/// some of its parts went out is followed by a note saying so.
/// </summary>
public sealed partial class OutboxProcessor
{
    /// <summary>The parts of a row delivered so far, as recorded (earlier attempts, then this one).</summary>
    private sealed class Progress(Claimed row)
    {
        public List<string> Parts { get; } = [.. row.PartIds];

        /// <summary>The attempt in which the last part was recorded; tries since then delivered nothing.</summary>
        public int LastPartAttempt { get; set; } = row.LastPartAttempt;

        /// <summary>Set when recording a part failed: the send stopped, and the run must leave its rows alone.</summary>
        public Exception? RecordFailed { get; set; }
    }

    /// <summary>The message as sent: its text within <see cref="PipelineOptions.MaxReplyCharacters"/> (the one place the cap is applied).</summary>
    private OutgoingMessage Capped(OutgoingMessage message) =>
        message.Text is { } text && text.Length > settings.MaxReplyCharacters
            ? message with { Text = ReplyLimits.Shorten(text, settings.MaxReplyCharacters) }
            : message;

    /// <summary>A row that will not be delivered (further); when some of its parts were, the person is told it was cut short.</summary>
    private static Outcome GiveUp(Claimed row, Progress progress, OutboxStatus status, string error) =>
        new(row.Id, status, Error: progress.Parts.Count > 0 ? $"{error} ({progress.Parts.Count} part(s) delivered)" : error,
            CutShort: progress.Parts.Count > 0 ? row : null);

    /// <summary>
    /// The one door for a reply's progress: part <paramref name="index"/> of the row is delivered. Written before the
    /// channel posts the next part, and only if the row is still pending at exactly that part (so two senders that both
    /// hold the row after a lease ran out cannot both record it); it extends the row's lease, as a long reply may take a while.
    /// The part is out already, so the record is written even while the sender is being stopped (with a timeout of its own).
    /// </summary>
    private async Task RecordPartAsync(Claimed row, Progress progress, int index, string platformMessageId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            if (index != progress.Parts.Count)
            {
                throw new InvalidOperationException($"Part {index} of outbox row {row.Id} reported, but {progress.Parts.Count} are recorded.");
            }
            await using var command = dataSource.CreateCommand(
                $"""
                UPDATE outbox
                   SET parts_sent = parts_sent + 1, part_ids = array_append(part_ids, $3), last_part_attempt = attempts,
                       lease_until = now() + $4
                 WHERE id = $1 AND status = '{nameof(OutboxStatus.Pending)}' AND parts_sent = $2
                """);
            command.Parameters.Add(new() { Value = row.Id });
            command.Parameters.Add(new() { Value = index });
            command.Parameters.Add(new() { Value = platformMessageId });
            command.Parameters.Add(new() { Value = settings.Lease });
            if (await command.ExecuteNonQueryAsync(timeout.Token) != 1)
            {
                throw new InvalidOperationException($"Outbox row {row.Id} moved on while its part {index} was sent (another sender holds it).");
            }
        }
        catch (Exception exception)
        {
            progress.RecordFailed = exception;
            throw;
        }
        progress.Parts.Add(platformMessageId);
        progress.LastPartAttempt = row.Attempts;
    }

    /// <summary>
    /// Tells the person that a reply stopped part way. One short message, so it is never sent in parts and can never be
    /// cut short itself: no note follows a note. It goes where the reply went (same platform thread); it is queued after
    /// whatever waited behind the reply, and is retried, given up or expires as any message does.
    /// </summary>
    private static OutgoingMessage CutShortNote(Claimed row)
    {
        var reply = BotJson.Deserialize<OutgoingMessage>(row.Payload);
        return new OutgoingMessage
        {
            Text = CutShortText,
            ThreadKey = reply.ThreadKey,
            InReplyToPlatformMessageId = reply.InReplyToPlatformMessageId,
        };
    }

    /// <summary>The note that follows a reply given up after some of its parts were delivered.</summary>
    public const string CutShortText = "_(The rest of my previous reply could not be delivered, so it stops short.)_";
}
