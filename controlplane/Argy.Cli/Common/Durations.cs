using System.Globalization;

namespace Argy.Cli.Common;

internal static class Durations
{
    /// <summary>Accepts plain seconds ("45") or unit groups ("90s", "30m", "1h", "1h30m").</summary>
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        text = text.Trim();
        if (text.Length == 0)
        {
            return false;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var plainSeconds))
        {
            return TrySeconds(plainSeconds, out duration);
        }

        long total = 0;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i == start || i == text.Length
                || !long.TryParse(text.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
            {
                return false;
            }

            long unit = char.ToLowerInvariant(text[i]) switch
            {
                'h' => 3600,
                'm' => 60,
                's' => 1,
                _ => 0,
            };
            if (unit == 0 || amount > int.MaxValue)
            {
                return false;
            }

            total += amount * unit;
            i++;
        }

        return TrySeconds(total, out duration);
    }

    /// <summary>Short human form: "1.2s", "4m05s", "2h10m".</summary>
    public static string Format(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
        {
            duration = TimeSpan.Zero;
        }

        if (duration.TotalSeconds < 60)
        {
            return duration.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s";
        }

        return duration.TotalHours < 1
            ? $"{(int)duration.TotalMinutes}m{duration.Seconds:00}s"
            : $"{(int)duration.TotalHours}h{duration.Minutes:00}m";
    }

    private static bool TrySeconds(long seconds, out TimeSpan duration)
    {
        duration = TimeSpan.FromSeconds(seconds);
        // The API carries whole seconds in an int; zero would mean "no time at all", never what anyone wants.
        return seconds is > 0 and <= int.MaxValue;
    }
}
