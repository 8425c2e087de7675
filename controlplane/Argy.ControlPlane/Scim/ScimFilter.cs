using System.Text;

namespace Argy.ControlPlane.Scim;

/// <summary>One <c>attribute eq value</c> comparison of a SCIM filter.</summary>
public sealed record ScimComparison(string Attribute, string? Value);

/// <summary>
/// The part of the SCIM filter grammar (RFC 7644 §3.4.2.2) identity providers use for provisioning:
/// <c>attr eq "value"</c> comparisons joined by <c>and</c>. Attribute names and operators are case-insensitive.
/// </summary>
public static class ScimFilter
{
    public static IReadOnlyList<ScimComparison> Parse(string filter)
    {
        var tokens = Tokenize(filter);
        var comparisons = new List<ScimComparison>();
        var i = 0;
        while (true)
        {
            if (i + 3 > tokens.Count)
            {
                throw Invalid(filter);
            }

            var (attribute, attributeQuoted) = tokens[i];
            var (op, opQuoted) = tokens[i + 1];
            var (value, valueQuoted) = tokens[i + 2];
            if (attributeQuoted || opQuoted || !op.Equals("eq", StringComparison.OrdinalIgnoreCase))
            {
                throw new ScimException(400, $"Only 'eq' comparisons joined by 'and' are supported; got '{filter}'.", ScimErrors.InvalidFilter);
            }

            comparisons.Add(new ScimComparison(attribute, valueQuoted ? value : value.Equals("null", StringComparison.OrdinalIgnoreCase) ? null : value));
            i += 3;
            if (i == tokens.Count)
            {
                return comparisons;
            }

            if (tokens[i].Quoted || !tokens[i].Text.Equals("and", StringComparison.OrdinalIgnoreCase))
            {
                throw new ScimException(400, $"Only 'eq' comparisons joined by 'and' are supported; got '{filter}'.", ScimErrors.InvalidFilter);
            }

            i++;
        }
    }

    private static List<(string Text, bool Quoted)> Tokenize(string filter)
    {
        var tokens = new List<(string, bool)>();
        var i = 0;
        while (i < filter.Length)
        {
            if (char.IsWhiteSpace(filter[i]))
            {
                i++;
                continue;
            }

            if (filter[i] == '"')
            {
                var text = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= filter.Length)
                    {
                        throw Invalid(filter);
                    }

                    var c = filter[i++];
                    if (c == '"')
                    {
                        break;
                    }

                    if (c == '\\' && i < filter.Length)
                    {
                        c = filter[i++];
                    }

                    text.Append(c);
                }

                tokens.Add((text.ToString(), true));
                continue;
            }

            var start = i;
            while (i < filter.Length && !char.IsWhiteSpace(filter[i]) && filter[i] != '"')
            {
                i++;
            }

            var word = filter[start..i];
            if (word.Contains('(', StringComparison.Ordinal) || word.Contains('[', StringComparison.Ordinal))
            {
                throw new ScimException(400, $"Grouping and value paths are not supported in filters; got '{filter}'.", ScimErrors.InvalidFilter);
            }

            tokens.Add((word, false));
        }

        if (tokens.Count < 3)
        {
            throw Invalid(filter);
        }

        return tokens;
    }

    private static ScimException Invalid(string filter) => new(400, $"The filter '{filter}' is not valid.", ScimErrors.InvalidFilter);
}
