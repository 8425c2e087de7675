using System.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Argy.Packaging.Tests;

/// <summary>
/// The Kubernetes objects of a kustomization, rendered by <c>kubectl kustomize</c>. On a machine without
/// kubectl the base's resource files are read as they are (they are plain manifests; overlays only change
/// images, host names and add policies), unless ARGY_REQUIRE_KUBECTL=1 (CI), which makes kubectl mandatory.
/// </summary>
internal static class KubernetesManifests
{
    public static IReadOnlyList<Dictionary<object, object>> Render(string kustomization)
    {
        var directory = RepositoryFiles.PathOf("packaging", "kubernetes", kustomization);
        var kubectl = FindOnPath("kubectl");
        if (kubectl is not null)
        {
            return Parse(Run(kubectl, "kustomize", directory));
        }

        if (Environment.GetEnvironmentVariable("ARGY_REQUIRE_KUBECTL") == "1")
        {
            throw new InvalidOperationException("kubectl is not on PATH and ARGY_REQUIRE_KUBECTL=1: cannot render the manifests");
        }

        var baseDirectory = RepositoryFiles.PathOf("packaging", "kubernetes", "base");
        return ResourceFiles(baseDirectory).SelectMany(file => Parse(File.ReadAllText(file))).ToList();
    }

    public static List<Dictionary<object, object>> Parse(string yaml)
    {
        var deserializer = new DeserializerBuilder().Build();
        var parser = new Parser(new StringReader(yaml));
        parser.Consume<StreamStart>();
        var documents = new List<Dictionary<object, object>>();
        while (parser.Accept<DocumentStart>(out _))
        {
            if (deserializer.Deserialize<Dictionary<object, object>?>(parser) is { } document)
            {
                documents.Add(document);
            }
        }

        return documents;
    }

    private static IEnumerable<string> ResourceFiles(string directory)
    {
        var kustomization = Parse(File.ReadAllText(Path.Combine(directory, "kustomization.yaml"))).Single();
        return ((List<object>)kustomization["resources"]).Select(resource => Path.Combine(directory, (string)resource));
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);

    private static string Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within 60 s");
        }

        return process.ExitCode == 0
            ? output.Result
            : throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {error.Result}");
    }
}

/// <summary>Navigation in a parsed YAML object without ceremony.</summary>
internal static class Yaml
{
    public static object? At(this object? node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not Dictionary<object, object> map || !map.TryGetValue(key, out node))
            {
                return null;
            }
        }

        return node;
    }

    public static Dictionary<object, object> Map(this object? node, params string[] path) =>
        node.At(path) as Dictionary<object, object> ?? [];

    public static List<object> List(this object? node, params string[] path) =>
        node.At(path) as List<object> ?? [];

    public static string? Text(this object? node, params string[] path) => node.At(path) as string;

    public static string Kind(this Dictionary<object, object> resource) => resource.Text("kind")!;

    public static string Name(this Dictionary<object, object> resource) => resource.Text("metadata", "name")!;
}
