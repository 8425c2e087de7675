namespace Argy.Agent.Tests.Support;

/// <summary>
/// The agent as built in its own output directory. The copy next to the tests cannot run on its own: this
/// project's ASP.NET Core framework reference keeps the agent's Microsoft.Extensions assemblies out of it.
/// </summary>
internal static class AgentExecutable
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        // tests/Argy.Agent.Tests/bin/<Configuration>/<tfm>/
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(System.IO.Path.DirectorySeparatorChar));
        var tfm = output.Name;
        var configuration = output.Parent!.Name;
        var repository = output.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        var path = System.IO.Path.Combine(repository, "agent", "Argy.Agent", "bin", configuration, tfm, "argy-agent");
        return File.Exists(path) ? path : throw new FileNotFoundException("build agent/Argy.Agent first", path);
    }
}
