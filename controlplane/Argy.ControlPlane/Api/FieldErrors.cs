using System.Text.RegularExpressions;
using Argy.ControlPlane.Problems;

namespace Argy.ControlPlane.Api;

/// <summary>Collects every problem of a request body, so the caller learns all of them from one 400.</summary>
public sealed partial class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
    }

    public void Require(bool condition, string field, string message)
    {
        if (!condition)
        {
            Add(field, message);
        }
    }

    public void Tags(IReadOnlyList<string>? tags, string field)
    {
        if (tags is null)
        {
            return;
        }

        Require(tags.Count <= 32, field, $"{field} has more than 32 entries.");
        foreach (var tag in tags)
        {
            Require(tag is not null && TagPattern().IsMatch(tag), field,
                $"'{tag}' is not a valid tag: 1-64 characters of letters, digits, '.', '_', ':', '/', '=' or '-'.");
        }
    }

    public void ThrowIfAny()
    {
        if (_errors.Count > 0)
        {
            throw ApiProblemException.Validation(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._:/=-]{1,64}$")]
    public static partial Regex TagPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._ -]{0,99}$")]
    public static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,127}$")]
    public static partial Regex EnvNamePattern();
}
