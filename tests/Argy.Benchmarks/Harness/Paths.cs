using System.Reflection;

namespace Argy.Benchmarks.Harness;

/// <summary>The executables of this build, which the scenarios start as real processes.</summary>
internal static class Paths
{
    public static readonly string Root = Metadata("RepositoryRoot");
    public static readonly string Configuration = Metadata("Configuration");

    public static string ControlPlane => Dll("controlplane/Argy.ControlPlane", "argy-controlplane.dll");

    /// <summary>The framework-dependent build output, started as <c>dotnet argy-agent.dll</c>.</summary>
    public static string Agent => Dll("agent/Argy.Agent", "argy-agent.dll");

    /// <summary>Where <c>packaging/publish.sh</c> puts the shipped agent executable.</summary>
    public static string PublishedAgent => Path.Combine(Root, "artifacts", "publish", "argy-agent", "argy-agent");

    /// <summary>Where the agent-footprint scenario publishes the agent itself when no current published one exists.</summary>
    public static string BenchPublishDirectory => Path.Combine(Root, "artifacts", "bench", "publish", "argy-agent");

    private static readonly string[] SourceExtensions = [".cs", ".csproj", ".proto", ".json", ".props", ".targets"];

    /// <summary>The newest write time among the sources the agent executable is built from (not its README).</summary>
    public static DateTime AgentSourcesWrittenUtc()
    {
        var files = new[] { "agent/Argy.Agent", "protocol" }
            .Select(d => Path.Combine(Root, d))
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories))
            .Where(f => !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal))
            .Where(f => SourceExtensions.Contains(Path.GetExtension(f)))
            .Concat(new[] { "Directory.Build.props", "Directory.Packages.props" }.Select(f => Path.Combine(Root, f)).Where(File.Exists));
        return files.Select(File.GetLastWriteTimeUtc).DefaultIfEmpty(DateTime.MinValue).Max();
    }

    private static string Dll(string project, string dll)
    {
        var path = Path.Combine(Root, project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: build the solution in {Configuration} first.");
    }

    private static string Metadata(string key) =>
        typeof(Paths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
