namespace Argy.Agent.Configuration;

internal static class AgentTags
{
    /// <summary>Splits "a, b,c" as given by a flag or an environment variable.</summary>
    public static List<string> Parse(string value) =>
        Normalize(value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));

    public static List<string> Normalize(IEnumerable<string> tags) =>
        tags.Select(t => t.Trim()).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).ToList();
}
