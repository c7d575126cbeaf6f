namespace Bot.Pipeline;

/// <summary>
/// A delivered row is recorded as sent as soon as its platform has it, not when its whole run is done: a sender that
/// dies (a killed replica) leaves at most the rows whose mark was on its way to be sent again after their lease, not
/// a whole run of them. Slack's and Telegram's send calls take no idempotency key, so this window is what a crash can
/// duplicate there. Marks of rows delivered together, across every conversation this sender is sending, are written
/// together (one statement, group commit), and the run does not wait for them before its next send.
/// </summary>
public sealed partial class OutboxProcessor
{
    private sealed record Mark(Outcome Outcome, TaskCompletionSource Written);

    private GroupWriter<Mark>? marks;

    /// <summary>Queues a sent row's outcome for the next group write; the task ends when it is written (or faults).</summary>
    private Task MarkSentAsync(Outcome outcome)
    {
        var mark = new Mark(outcome, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        LazyInitializer.EnsureInitialized(ref marks, () => new GroupWriter<Mark>(WriteMarksAsync)).Add(mark);
        return mark.Written.Task;
    }

    private async Task WriteMarksAsync(List<Mark> batch)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await FinishAsync([.. batch.Select(m => m.Outcome)], timeout.Token);
            batch.ForEach(m => m.Written.TrySetResult());
        }
        catch (Exception exception)
        {
            // The run records these again with its other outcomes (the statement only changes rows still pending).
            batch.ForEach(m => m.Written.TrySetException(exception));
        }
    }

    /// <summary>Waits for a run's marks; the outcomes whose mark could not be written, for the run's final write.</summary>
    private static async Task<IEnumerable<Outcome>> UnwrittenAsync(List<(Outcome Outcome, Task Written)> pending)
    {
        try
        {
            await Task.WhenAll(pending.Select(p => p.Written));
        }
        catch (Exception)
        {
            // Looked at one by one below.
        }
        return pending.Where(p => !p.Written.IsCompletedSuccessfully).Select(p => p.Outcome);
    }
}
