using System.Reflection;

namespace Argy.Benchmarks.Harness;

/// <summary>The executables of this build, which the scenarios start as real processes.</summary>
internal static class Paths
{
    public static readonly string Root = Metadata("RepositoryRoot");
    public static readonly string Configuration = Metadata("Configuration");

    public static string ControlPlane => Dll("controlplane/Argy.ControlPlane", "argy-controlplane.dll");

    public static string Agent => Dll("agent/Argy.Agent", "argy-agent.dll");

    private static string Dll(string project, string dll)
    {
        var path = Path.Combine(Root, project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: build the solution in {Configuration} first.");
    }

    private static string Metadata(string key) =>
        typeof(Paths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
