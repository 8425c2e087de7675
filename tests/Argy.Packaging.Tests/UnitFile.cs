namespace Argy.Packaging.Tests;

/// <summary>A systemd unit file: sections of keys, each key with all its values in order (keys may repeat).</summary>
internal sealed class UnitFile
{
    private readonly Dictionary<string, Dictionary<string, List<string>>> _sections = new(StringComparer.Ordinal);

    private UnitFile()
    {
    }

    public static UnitFile Parse(string text)
    {
        var unit = new UnitFile();
        Dictionary<string, List<string>>? section = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#') || line.StartsWith(';'))
            {
                continue;
            }

            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                section = new Dictionary<string, List<string>>(StringComparer.Ordinal);
                unit._sections[line[1..^1]] = section;
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (section is null || equals <= 0)
            {
                throw new FormatException($"not a unit file line: '{line}'");
            }

            var key = line[..equals].Trim();
            if (!section.TryGetValue(key, out var values))
            {
                section[key] = values = [];
            }

            values.Add(line[(equals + 1)..].Trim());
        }

        return unit;
    }

    public bool Has(string section, string key) => _sections.TryGetValue(section, out var keys) && keys.ContainsKey(key);

    /// <summary>The last value of the key, as systemd applies it for single-valued settings.</summary>
    public string Get(string section, string key) =>
        _sections.TryGetValue(section, out var keys) && keys.TryGetValue(key, out var values)
            ? values[^1]
            : throw new KeyNotFoundException($"[{section}] {key}= is not set");

    /// <summary>All space-separated words of every occurrence of a list-valued key.</summary>
    public IReadOnlyList<string> Words(string section, string key) =>
        _sections.TryGetValue(section, out var keys) && keys.TryGetValue(key, out var values)
            ? values.SelectMany(value => value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList()
            : [];

    /// <summary>Parses systemd time spans such as 75s, 10min, 1min 30s, or a bare number of seconds.</summary>
    public static TimeSpan ParseTimeSpan(string value)
    {
        var total = TimeSpan.Zero;
        foreach (var part in value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var digits = new string(part.TakeWhile(char.IsDigit).ToArray());
            var unit = part[digits.Length..];
            var number = int.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);
            total += unit switch
            {
                "" or "s" or "sec" => TimeSpan.FromSeconds(number),
                "ms" or "msec" => TimeSpan.FromMilliseconds(number),
                "m" or "min" => TimeSpan.FromMinutes(number),
                "h" or "hr" => TimeSpan.FromHours(number),
                _ => throw new FormatException($"unknown time unit in '{value}'"),
            };
        }

        return total;
    }
}
