using System.Xml.Linq;
using Bot.Storage.Entities;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Storage;

/// <summary>One stored key ring element and the row it lives in.</summary>
public sealed record StoredKeyElement(Guid Id, string Xml)
{
    public XElement Element { get; } = XElement.Parse(Xml);
}

/// <summary>
/// Keeps the ASP.NET Core Data Protection key ring in PostgreSQL so every replica signs and encrypts with the
/// same keys. (Microsoft's EF Core key store package does not restore here; this is the same idea in a few lines.)
/// The host encrypts each key's secret with a key file before it reaches this table (see the BotHost's KeyRing).
/// </summary>
public sealed class DbXmlRepository(IServiceScopeFactory scopeFactory, TimeProvider clock) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements() => GetStoredElements().Select(e => e.Element).ToList();

    /// <summary>Every element with its row id, oldest first.</summary>
    public IReadOnlyList<StoredKeyElement> GetStoredElements()
    {
        using var scope = scopeFactory.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BotDbContext>();
        return db.DataProtectionKeys.AsNoTracking().OrderBy(k => k.Id).Select(k => new { k.Id, k.Xml }).ToList()
            .Select(k => new StoredKeyElement(k.Id, k.Xml)).ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var scope = scopeFactory.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BotDbContext>();
        db.DataProtectionKeys.Add(new DataProtectionKey
        {
            FriendlyName = friendlyName,
            Xml = Serialize(element),
            CreatedAt = clock.GetUtcNow(),
        });
        db.SaveChanges();
    }

    /// <summary>
    /// Rewrites one element (to re-encrypt it) if it still reads as <paramref name="expected"/>: true for exactly one
    /// of several replicas doing the same at once.
    /// </summary>
    public async Task<bool> ReplaceElementAsync(StoredKeyElement expected, XElement replacement, CancellationToken cancellationToken)
    {
        using var scope = scopeFactory.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BotDbContext>();
        var updated = Serialize(replacement);
        return await db.DataProtectionKeys.Where(k => k.Id == expected.Id && k.Xml == expected.Xml)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.Xml, updated), cancellationToken) == 1;
    }

    private static string Serialize(XElement element) => element.ToString(SaveOptions.DisableFormatting);
}
