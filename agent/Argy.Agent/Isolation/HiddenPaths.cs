using Argy.Agent.Configuration;

namespace Argy.Agent.Isolation;

/// <summary>
/// What of the agent a job must not see: its credential, configuration and logs, and the work root (which
/// holds the other runs' workspaces; a job gets its own bound back in).
/// </summary>
internal static class HiddenPaths
{
    /// <summary>Where packages put the agent's configuration, when there is one.</summary>
    public const string SystemConfigDirectory = "/etc/argy-agent";

    public static IReadOnlyList<string> For(AgentOptions options)
    {
        var paths = new List<string> { options.StateDirectory, options.WorkRoot, SystemConfigDirectory };
        if (options.LogDirectory is { Length: > 0 } logDirectory)
        {
            paths.Add(logDirectory);
        }

        // The configuration beside the binary, not the binary: hiding its directory could hide /usr/bin.
        paths.AddRange(Directory.EnumerateFiles(AppContext.BaseDirectory, "appsettings*.json"));
        paths.AddRange(options.Isolation.HiddenPaths);
        return paths
            .Where(path => Path.IsPathFullyQualified(path))
            .Select(path => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)))
            .Where(path => path != "/")
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }
}
