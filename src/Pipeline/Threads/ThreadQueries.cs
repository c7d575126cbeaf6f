using Bot.Pipeline.Model;
using Bot.Storage;
using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Bot.Pipeline.Threads;

public sealed record ThreadSummary(Guid Id, string Title, string Channel, string ConversationAddress, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, int EventCount);

public sealed record ThreadEventView(Guid Id, string Role, EventContent Content, DateTimeOffset CreatedAt);

/// <summary>Reads of threads and their history (for <c>/threads</c>, the web sidebar and <c>/api/threads</c>).</summary>
public sealed class ThreadQueries(BotDbContext db)
{
    public const string Untitled = "New thread";

    public async Task<IReadOnlyList<ThreadSummary>> RecentAsync(Guid userId, int limit, CancellationToken cancellationToken)
    {
        var rows = await (
                from t in db.Threads.AsNoTracking()
                join c in db.Conversations.AsNoTracking() on t.ConversationId equals c.Id
                where t.UserId == userId
                orderby t.UpdatedAt descending
                select new { t.Id, t.Title, c.Channel, c.Address, t.CreatedAt, t.UpdatedAt, Events = db.ThreadEvents.Count(e => e.ThreadId == t.Id) })
            .Take(limit)
            .ToListAsync(cancellationToken);
        return rows.Select(r => new ThreadSummary(r.Id, r.Title ?? Untitled, r.Channel, r.Address, r.CreatedAt, r.UpdatedAt, r.Events)).ToList();
    }

    public async Task<ThreadSummary?> FindAsync(Guid threadId, CancellationToken cancellationToken)
    {
        var row = await (
                from t in db.Threads.AsNoTracking()
                join c in db.Conversations.AsNoTracking() on t.ConversationId equals c.Id
                where t.Id == threadId
                select new { t.Id, t.Title, t.UserId, c.Channel, c.Address, t.CreatedAt, t.UpdatedAt, Events = db.ThreadEvents.Count(e => e.ThreadId == t.Id) })
            .SingleOrDefaultAsync(cancellationToken);
        return row is null ? null : new ThreadSummary(row.Id, row.Title ?? Untitled, row.Channel, row.Address, row.CreatedAt, row.UpdatedAt, row.Events);
    }

    public async Task<Guid?> OwnerOfAsync(Guid threadId, CancellationToken cancellationToken) =>
        await db.Threads.AsNoTracking().Where(t => t.Id == threadId).Select(t => (Guid?)t.UserId).SingleOrDefaultAsync(cancellationToken);

    /// <summary>Events of a thread in order; <paramref name="after"/> pages forward from an event id.</summary>
    public async Task<IReadOnlyList<ThreadEventView>> EventsAsync(Guid threadId, Guid? after, int limit, CancellationToken cancellationToken)
    {
        var query = db.ThreadEvents.AsNoTracking().Where(e => e.ThreadId == threadId);
        if (after is { } afterId)
        {
            var afterAt = await db.ThreadEvents.AsNoTracking().Where(e => e.Id == afterId).Select(e => (DateTimeOffset?)e.CreatedAt).SingleOrDefaultAsync(cancellationToken);
            if (afterAt is { } at)
            {
                query = query.Where(e => e.CreatedAt > at);
            }
        }
        var rows = await query.OrderBy(e => e.CreatedAt).Take(limit).ToListAsync(cancellationToken);
        return rows.Select(e => new ThreadEventView(e.Id, e.Role, BotJson.Deserialize<EventContent>(e.Content), e.CreatedAt)).ToList();
    }

    public async Task<Guid?> UserForIdentityAsync(string channel, string platformUserId, CancellationToken cancellationToken) =>
        await db.ChannelIdentities.AsNoTracking()
            .Where(i => i.Channel == channel && i.PlatformUserId == platformUserId)
            .Select(i => (Guid?)i.UserId)
            .SingleOrDefaultAsync(cancellationToken);
}

/// <summary>Makes a short thread title from its first message (command mode; the LLM names threads itself later).</summary>
public static class ThreadTitles
{
    public const int MaxLength = 60;

    public static string? FromFirstMessage(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var collapsed = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (collapsed.Length <= MaxLength)
        {
            return collapsed;
        }
        var cut = collapsed.LastIndexOf(' ', MaxLength - 1);
        return (cut > MaxLength / 2 ? collapsed[..cut] : collapsed[..(MaxLength - 1)]) + "…";
    }
}
