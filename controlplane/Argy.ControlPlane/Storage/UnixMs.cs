namespace Argy.ControlPlane.Storage;

/// <summary>Times are stored as Unix milliseconds (UTC): compact, sortable, and the same in SQLite and PostgreSQL.</summary>
public static class UnixMs
{
    public static long From(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    public static DateTimeOffset To(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    public static DateTimeOffset? To(long? ms) => ms is { } value ? DateTimeOffset.FromUnixTimeMilliseconds(value) : null;
}
