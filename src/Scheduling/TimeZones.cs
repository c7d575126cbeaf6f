using System.Collections.Frozen;

namespace Bot.Scheduling;

/// <summary>IANA time zone ids, found without regard to case (<c>europe/berlin</c> is <c>Europe/Berlin</c>).</summary>
public static class TimeZones
{
    private static readonly Lazy<FrozenDictionary<string, string>> Known = new(() =>
        TimeZoneInfo.GetSystemTimeZones()
            .Select(z => z.Id)
            .Append("UTC")
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToFrozenDictionary(id => id, id => id, StringComparer.OrdinalIgnoreCase));

    /// <summary>Resolves an IANA id (or a Windows id, converted to IANA) to the zone and its canonical IANA id.</summary>
    public static bool TryFind(string? id, out TimeZoneInfo zone, out string ianaId)
    {
        zone = TimeZoneInfo.Utc;
        ianaId = "UTC";
        if (string.IsNullOrWhiteSpace(id) || id.Length > 64)
        {
            return false;
        }
        id = id.Trim();
        if (Known.Value.TryGetValue(id, out var canonical))
        {
            id = canonical;
        }
        else if (TimeZoneInfo.TryConvertWindowsIdToIanaId(id, out var converted))
        {
            id = converted;
        }
        if (id is "UTC" or "Etc/UTC")
        {
            zone = TimeZoneInfo.Utc;
            ianaId = "UTC";
            return true;
        }
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(id, out var found))
        {
            return false;
        }
        zone = found;
        ianaId = id;
        return true;
    }

    public static TimeZoneInfo FindOrUtc(string? id) => TryFind(id, out var zone, out _) ? zone : TimeZoneInfo.Utc;

    /// <summary>Looks like an IANA id (<c>Area/Location</c>) or UTC, as opposed to the first word of a prompt.</summary>
    public static bool LooksLikeZone(string token) =>
        token.Equals("UTC", StringComparison.OrdinalIgnoreCase)
        || token.Equals("GMT", StringComparison.OrdinalIgnoreCase)
        || (token.Contains('/', StringComparison.Ordinal) && !token.StartsWith('/') && !token.EndsWith('/')
            && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '_' or '-' or '+'));
}
