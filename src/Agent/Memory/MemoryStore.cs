using Bot.Storage;
using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Bot.Agent.Memory;

public sealed record MemoryItem(Guid Id, string Kind, string Content, Guid? SourceThreadId, DateTimeOffset CreatedAt);

/// <summary>A user's durable memory (facts and preferences). Every call is scoped to one user id.</summary>
public sealed class MemoryStore(BotDbContext db, TimeProvider clock)
{
    public const int MaxItems = 200;
    public const int MaxLength = 500;

    public static readonly string[] Kinds = ["fact", "preference"];

    public async Task<IReadOnlyList<MemoryItem>> ListAsync(Guid userId, CancellationToken cancellationToken) =>
        await db.UserMemories.AsNoTracking()
            .Where(m => m.UserId == userId)
            .OrderBy(m => m.CreatedAt)
            .Take(MaxItems)
            .Select(m => new MemoryItem(m.Id, m.Kind, m.Content, m.SourceThreadId, m.CreatedAt))
            .ToListAsync(cancellationToken);

    /// <summary>Adds a memory; returns null (and adds nothing) when the same text is already remembered.</summary>
    public async Task<MemoryItem?> AddAsync(Guid userId, string kind, string content, Guid? sourceThreadId, CancellationToken cancellationToken)
    {
        content = content.Trim();
        if (content.Length == 0)
        {
            throw new ArgumentException("A memory needs some text.", nameof(content));
        }
        if (content.Length > MaxLength)
        {
            throw new ArgumentException($"A memory is at most {MaxLength} characters.", nameof(content));
        }
        kind = Kinds.Contains(kind, StringComparer.OrdinalIgnoreCase) ? kind.ToLowerInvariant() : "fact";
        var memory = new UserMemory { UserId = userId, Kind = kind, Content = content, SourceThreadId = sourceThreadId, CreatedAt = clock.GetUtcNow() };
        db.UserMemories.Add(memory);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            db.Entry(memory).State = EntityState.Detached;
            return null;
        }
        return new MemoryItem(memory.Id, memory.Kind, memory.Content, memory.SourceThreadId, memory.CreatedAt);
    }

    /// <summary>Forgets the memories of this user whose text contains <paramref name="match"/> (case-insensitive); returns what was removed.</summary>
    public async Task<IReadOnlyList<string>> ForgetAsync(Guid userId, string match, CancellationToken cancellationToken)
    {
        var pattern = "%" + match.Trim().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
        var doomed = await db.UserMemories.Where(m => m.UserId == userId && EF.Functions.ILike(m.Content, pattern)).ToListAsync(cancellationToken);
        db.UserMemories.RemoveRange(doomed);
        await db.SaveChangesAsync(cancellationToken);
        return doomed.Select(m => m.Content).ToList();
    }

    public async Task<bool> ForgetByIdAsync(Guid userId, Guid memoryId, CancellationToken cancellationToken) =>
        await db.UserMemories.Where(m => m.UserId == userId && m.Id == memoryId).ExecuteDeleteAsync(cancellationToken) == 1;

    public async Task<int> ClearAsync(Guid userId, CancellationToken cancellationToken) =>
        await db.UserMemories.Where(m => m.UserId == userId).ExecuteDeleteAsync(cancellationToken);
}
