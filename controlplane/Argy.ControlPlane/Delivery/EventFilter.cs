using System.Text.RegularExpressions;

namespace Argy.ControlPlane.Delivery;

/// <summary>
/// Which audit actions a sink receives: exact action names (<c>deployment.failed</c>) or prefixes ending in
/// <c>.*</c> (<c>deployment.*</c> matches <c>deployment.failed</c> and <c>deployment.approval.granted</c>).
/// An empty filter matches every action; <c>*</c> alone also matches everything.
/// </summary>
public sealed partial class EventFilter
{
    public const int MaxEntries = 100;

    private readonly HashSet<string> _exact = new(StringComparer.Ordinal);
    private readonly List<string> _prefixes = [];
    private readonly bool _all;

    public EventFilter(IReadOnlyList<string> entries)
    {
        Entries = entries;
        foreach (var entry in entries)
        {
            if (entry == "*")
            {
                _all = true;
            }
            else if (entry.EndsWith(".*", StringComparison.Ordinal))
            {
                _prefixes.Add(entry[..^1]);
            }
            else
            {
                _exact.Add(entry);
            }
        }

        _all |= entries.Count == 0;
    }

    public IReadOnlyList<string> Entries { get; }

    public bool Matches(string action) =>
        _all || _exact.Contains(action) || _prefixes.Exists(prefix => action.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>An entry is an action name (lower-case words joined by dots, '_' or '-' inside words), optionally ending in <c>.*</c>, or <c>*</c>.</summary>
    public static bool IsValidEntry(string? entry) => entry is not null && (entry == "*" || EntryPattern().IsMatch(entry));

    [GeneratedRegex(@"^[a-z0-9][a-z0-9_-]{0,63}(\.[a-z0-9][a-z0-9_-]{0,63}){0,7}(\.\*)?$")]
    private static partial Regex EntryPattern();
}
