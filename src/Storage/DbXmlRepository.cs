using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

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
/// Plain SQL: the ring is read at start, before anything else needs the EF Core model.
/// </summary>
public sealed class DbXmlRepository(NpgsqlDataSource dataSource, TimeProvider clock) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements() => GetStoredElements().Select(e => e.Element).ToList();

    /// <summary>Every element with its row id, oldest first.</summary>
    public IReadOnlyList<StoredKeyElement> GetStoredElements()
    {
        using var command = dataSource.CreateCommand("SELECT id, xml FROM data_protection_keys ORDER BY id");
        using var reader = command.ExecuteReader();
        var elements = new List<StoredKeyElement>();
        while (reader.Read())
        {
            elements.Add(new StoredKeyElement(reader.GetGuid(0), reader.GetString(1)));
        }
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        var now = clock.GetUtcNow();
        using var command = dataSource.CreateCommand("INSERT INTO data_protection_keys (id, friendly_name, xml, created_at) VALUES ($1, $2, $3, $4)");
        command.Parameters.Add(new() { Value = Guid.CreateVersion7(now) });
        command.Parameters.Add(new() { Value = friendlyName });
        command.Parameters.Add(new() { Value = Serialize(element) });
        command.Parameters.Add(new() { Value = now });
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Rewrites one element (to re-encrypt it) if it still reads as <paramref name="expected"/>: true for exactly one
    /// of several replicas doing the same at once.
    /// </summary>
    public async Task<bool> ReplaceElementAsync(StoredKeyElement expected, XElement replacement, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE data_protection_keys SET xml = $3 WHERE id = $1 AND xml = $2");
        command.Parameters.Add(new() { Value = expected.Id });
        command.Parameters.Add(new() { Value = expected.Xml });
        command.Parameters.Add(new() { Value = Serialize(replacement) });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static string Serialize(XElement element) => element.ToString(SaveOptions.DisableFormatting);
}
