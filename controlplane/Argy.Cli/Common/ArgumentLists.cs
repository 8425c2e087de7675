namespace Argy.Cli.Common;

internal static class ArgumentLists
{
    /// <summary>Accepts both "--tags a,b" and "--tags a --tags b".</summary>
    public static string[] SplitTags(IEnumerable<string>? values) =>
        (values ?? [])
            .SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.Ordinal)
            .ToArray();

    /// <summary>
    /// Parses repeated K=V values. A bare K takes its value from this process's environment, so CI
    /// secrets need not appear on the command line (where any local user can read them).
    /// </summary>
    public static Dictionary<string, string> ParseKeyValues(
        IEnumerable<string>? values, string optionName, Func<string, string?> getEnvironmentVariable)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var value in values ?? [])
        {
            var separator = value.IndexOf('=', StringComparison.Ordinal);
            var key = separator < 0 ? value : value[..separator];
            if (key.Length == 0)
            {
                throw new UsageException($"{optionName} expects KEY=VALUE, got '{value}'");
            }

            result[key] = separator >= 0
                ? value[(separator + 1)..]
                : getEnvironmentVariable(key)
                    ?? throw new UsageException($"{optionName} {key}: no '=' and no environment variable {key} to take the value from");
        }

        return result;
    }
}
