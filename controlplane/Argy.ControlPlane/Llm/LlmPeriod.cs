using System.Globalization;

namespace Argy.ControlPlane.Llm;

/// <summary>A billing month in a tenant's time zone: its key (<c>2026-11</c>) and its bounds in UTC.</summary>
public readonly record struct LlmPeriod(string Key, DateTimeOffset Start, DateTimeOffset End)
{
    public static LlmPeriod At(DateTimeOffset now, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var first = new DateTime(local.Year, local.Month, 1, 0, 0, 0, DateTimeKind.Unspecified);
        return new LlmPeriod(
            first.ToString("yyyy-MM", CultureInfo.InvariantCulture),
            StartOfLocal(first, zone),
            StartOfLocal(first.AddMonths(1), zone));
    }

    /// <summary>The UTC instant a local wall-clock time begins; a time skipped by a DST jump moves to the first valid one.</summary>
    public static DateTimeOffset StartOfLocal(DateTime local, TimeZoneInfo zone)
    {
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }

        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }

    public static bool TryZone(string? id, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(id) || id.Length > 64)
        {
            return false;
        }

        if (TimeZoneInfo.TryFindSystemTimeZoneById(id, out var found))
        {
            zone = found;
            return true;
        }

        return false;
    }

    public static TimeZoneInfo Zone(string id) => TryZone(id, out var zone) ? zone : TimeZoneInfo.Utc;
}
