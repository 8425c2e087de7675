using System.Text;

namespace Argy.ControlPlane.Tests.Delivery;

/// <summary>One CEF line, parsed back.</summary>
internal sealed record CefEvent(string Version, string Vendor, string Product, string ProductVersion, string SignatureId, string Name, string Severity, IReadOnlyDictionary<string, string> Extension);

/// <summary>
/// A CEF parser written from the format's specification, independent of the formatter: a line is
/// <c>CEF:Version|Vendor|Product|Version|Signature ID|Name|Severity|Extension</c>. In the seven header fields a
/// pipe is written <c>\|</c> and a backslash <c>\\</c>. The extension is space-separated <c>key=value</c> pairs; in a
/// value a backslash is <c>\\</c>, an equals sign <c>\=</c>, a line feed <c>\n</c>, a carriage return <c>\r</c>, and a
/// pipe stands for itself. A value ends at the space before the next <c>key=</c>. Anything else is refused, so
/// a formatter that escapes too little or too much fails here.
/// </summary>
internal static class CefParser
{
    public static CefEvent Parse(string line)
    {
        if (line.Contains('\n') || line.Contains('\r'))
        {
            throw new FormatException("A CEF line has no raw line breaks.");
        }

        if (!line.StartsWith("CEF:", StringComparison.Ordinal))
        {
            throw new FormatException("A CEF line starts with 'CEF:'.");
        }

        var header = new List<string>();
        var field = new StringBuilder();
        var i = 4;
        while (header.Count < 7)
        {
            if (i >= line.Length)
            {
                throw new FormatException($"The header ends after {header.Count} fields.");
            }

            var c = line[i];
            if (c == '\\')
            {
                if (i + 1 >= line.Length || (line[i + 1] != '\\' && line[i + 1] != '|'))
                {
                    throw new FormatException($"Bad escape in header field {header.Count + 1} at {i}.");
                }

                field.Append(line[i + 1]);
                i += 2;
            }
            else if (c == '|')
            {
                header.Add(field.ToString());
                field.Clear();
                i++;
            }
            else
            {
                field.Append(c);
                i++;
            }
        }

        return new CefEvent(header[0], header[1], header[2], header[3], header[4], header[5], header[6], ParseExtension(line[i..]));
    }

    public static Dictionary<string, string> ParseExtension(string extension)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        while (i < extension.Length)
        {
            var keyLength = KeyAt(extension, i);
            if (keyLength == 0)
            {
                throw new FormatException($"Expected key=value at {i}: '{extension[i..Math.Min(extension.Length, i + 20)]}'.");
            }

            var key = extension.Substring(i, keyLength);
            i += keyLength + 1;
            var value = new StringBuilder();
            while (i < extension.Length)
            {
                var c = extension[i];
                if (c == '\\')
                {
                    if (i + 1 >= extension.Length)
                    {
                        throw new FormatException("A value ends in a lone backslash.");
                    }

                    value.Append(extension[i + 1] switch
                    {
                        '\\' => '\\',
                        '=' => '=',
                        'n' => '\n',
                        'r' => '\r',
                        var other => throw new FormatException($"Unknown escape '\\{other}' in the value of {key}."),
                    });
                    i += 2;
                }
                else if (c == '=')
                {
                    throw new FormatException($"An unescaped '=' in the value of {key}.");
                }
                else if (c == ' ' && KeyAt(extension, i + 1) > 0)
                {
                    i++;
                    break;
                }
                else
                {
                    value.Append(c);
                    i++;
                }
            }

            if (!pairs.TryAdd(key, value.ToString()))
            {
                throw new FormatException($"Key {key} appears twice.");
            }
        }

        return pairs;
    }

    /// <summary>The length of a key starting at <paramref name="i"/> and followed by '=', or 0.</summary>
    private static int KeyAt(string text, int i)
    {
        var j = i;
        while (j < text.Length && (char.IsAsciiLetterOrDigit(text[j]) || text[j] == '_'))
        {
            j++;
        }

        return j > i && j < text.Length && text[j] == '=' ? j - i : 0;
    }
}
