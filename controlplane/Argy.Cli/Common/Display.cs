using System.Globalization;

namespace Argy.Cli.Common;

internal static class Display
{
    public static string Tags(IReadOnlyCollection<string> tags) => tags.Count == 0 ? "-" : string.Join(',', tags);

    public static string Timestamp(DateTimeOffset? at, DateTimeOffset now) =>
        at is { } value
            ? $"{value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}Z ({RelativeTime.Format(value, now)})"
            : "-";
}
