using System.Reflection;

namespace Argy.EndToEnd.Tests.Infrastructure;

/// <summary>Where the real executables of this build are: the tests start them as separate processes.</summary>
public static class Executables
{
    private static readonly string Root = Metadata("RepositoryRoot");
    private static readonly string Configuration = Metadata("Configuration");

    public static string ControlPlane => Find("controlplane/Argy.ControlPlane", "argy-controlplane.dll");

    public static string Agent => Find("agent/Argy.Agent", "argy-agent.dll");

    public static string Cli => Find("controlplane/Argy.Cli", "argy.dll");

    private static string Find(string project, string dll)
    {
        var path = Path.Combine(Root, project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build the solution first: {path} is missing.");
    }

    private static string Metadata(string key) =>
        typeof(Executables).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
