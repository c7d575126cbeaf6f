using Bot.Pipeline.Model;
using Bot.Storage.Entities;

namespace Bot.Tests.Integration.History;

/// <summary>What <c>/api/threads/{id}/events</c> reads: a thread's history page by page, through <c>ThreadQueries.EventsAsync</c>.</summary>
public class HistoryPagingTests(ThreadHistoryDatabase db) : IClassFixture<ThreadHistoryDatabase>
{
    private static readonly DateTimeOffset T0 = new(2026, 4, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Paging_by_cursor_reads_every_event_once_in_order_even_when_events_share_a_time()
    {
        var threadId = await db.NewThreadAsync();
        var events = SampleConversation.Create(700, T0, seed: 30)
            .Select((e, i) => (e.Id, e.Role, e.Content, At: T0.AddSeconds(i / 4))) // four events a second
            .ToList();
        await db.AppendAsync(threadId, events);
        var stored = Enumerable.Reverse(await db.AllNewestFirstAsync(threadId)).ToList();

        var read = new List<Bot.Pipeline.Threads.ThreadEventView>();
        Guid? cursor = null;
        while (true)
        {
            var page = await db.Queries.EventsAsync(threadId, cursor, 97, default);
            read.AddRange(page);
            if (page.Count < 97)
            {
                break;
            }
            cursor = page[^1].Id;
        }

        Assert.Equal(stored.Select(e => e.Id), read.Select(e => e.Id));
        Assert.True(stored.Count > 2_000);
        for (var i = 0; i < stored.Count; i++)
        {
            Assert.Equal(stored[i].Role, read[i].Role);
            Assert.Equal(stored[i].At, read[i].CreatedAt);
            Assert.Equal(stored[i].Content.Text, read[i].Text);
            Assert.Equal(BotJson.Serialize(stored[i].Content.Action), BotJson.Serialize(read[i].Action));
        }
        Assert.Contains(read, e => e.Action is { Name: "/plan" });
    }

    [Fact]
    public async Task An_unknown_cursor_or_one_from_another_thread_reads_from_the_start()
    {
        var threadId = await db.NewThreadAsync();
        var otherId = await db.NewThreadAsync();
        var events = SampleConversation.Create(20, T0, seed: 31);
        var other = (Guid.CreateVersion7(), EventRoles.User, new EventContent { Text = "elsewhere" }, T0.AddDays(1));
        await db.AppendAsync(threadId, events);
        await db.AppendAsync(otherId, [other]);

        var first = await db.Queries.EventsAsync(threadId, null, 10, default);
        Assert.Equal(events.Take(10).Select(e => e.Id), first.Select(e => e.Id));
        Assert.Equal(first.Select(e => e.Id), (await db.Queries.EventsAsync(threadId, Guid.CreateVersion7(), 10, default)).Select(e => e.Id));
        Assert.Equal(first.Select(e => e.Id), (await db.Queries.EventsAsync(threadId, other.Item1, 10, default)).Select(e => e.Id));
        Assert.Empty(await db.Queries.EventsAsync(threadId, events[^1].Id, 10, default));
    }
}
