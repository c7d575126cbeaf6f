namespace Bot.Pipeline;

/// <summary>
/// Group commit in memory: items that arrive while a write is in flight are written together by the next one. One
/// writer runs at a time, started by the item that finds none running, and it stops when the queue is empty, so an idle
/// system writes a lone item at once. <paramref name="write"/> settles every item of its batch itself and must not throw.
/// </summary>
internal sealed class GroupWriter<T>(Func<List<T>, Task> write, int maxBatch = int.MaxValue)
{
    private readonly Lock gate = new();
    private List<T> queue = [];
    private bool writing;

    public void Add(T item)
    {
        lock (gate)
        {
            queue.Add(item);
            if (writing)
            {
                return;
            }
            writing = true;
        }
        _ = Task.Run(WriteAllAsync);
    }

    private async Task WriteAllAsync()
    {
        while (true)
        {
            List<T> batch;
            lock (gate)
            {
                if (queue.Count == 0)
                {
                    writing = false;
                    return;
                }
                if (queue.Count <= maxBatch)
                {
                    batch = queue;
                    queue = [];
                }
                else
                {
                    batch = queue[..maxBatch];
                    queue.RemoveRange(0, maxBatch);
                }
            }
            await write(batch);
        }
    }
}
