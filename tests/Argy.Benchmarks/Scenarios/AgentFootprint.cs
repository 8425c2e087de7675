using System.Diagnostics;
using System.Globalization;
using Argy.Benchmarks.Harness;

namespace Argy.Benchmarks.Scenarios;

/// <summary>
/// Scenario 5: an idle real agent's memory, process start → listed Connected, and the size of what was measured.
/// </summary>
/// <remarks>
/// Measures the shipped agent: the executable <c>packaging/publish.sh</c> wrote to artifacts/publish/argy-agent/
/// when it is newer than the agent's sources; otherwise the scenario publishes the agent itself, exactly as
/// publish.sh does (<c>dotnet publish agent/Argy.Agent -c Release -r linux-x64</c>, the project's defaults), into
/// artifacts/bench/publish/argy-agent/ and reports how long that took. Environment:
///   ARGY_BENCH_AGENT=build            the framework-dependent build output (<c>dotnet argy-agent.dll</c>) instead
///   ARGY_BENCH_AGENT=/path/argy-agent that executable (or .dll) instead
///   ARGY_BENCH_AGENT_ENV="K=V;K2=V2"  extra environment for the agent only (runtime knobs: DOTNET_GCgen0size=...)
/// </remarks>
internal sealed class AgentFootprint : IScenario
{
    private const string Scenario = "5 agent footprint";

    public string Name => "agent-footprint";

    public async Task RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var launcher = await ResolveAgentAsync(context, cancellationToken);
        await using var controlPlane = await ControlPlaneHost.StartAsync();
        var startToConnected = new List<double>();
        var rss = new List<double>();
        var pss = new List<double>();
        var anonymous = new List<double>();
        for (var i = 0; i < context.Scale(3, 10); i++)
        {
            await using var agent = await RealAgent.StartAsync(controlPlane, ["footprint"], waitConnected: false, launcher: launcher);
            var connected = await agent.WaitForStatusAsync(controlPlane, "Connected", TimeSpan.FromSeconds(30));
            startToConnected.Add(Stopwatch.GetElapsedTime(agent.StartedAt, connected).TotalMilliseconds);
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            var pid = agent.Process.Id;
            rss.Add(Proc.RssBytes(pid) / 1e6);
            pss.Add(Kilobytes($"/proc/{pid}/smaps_rollup", "Pss:") * 1024 / 1e6);
            anonymous.Add(Kilobytes($"/proc/{pid}/status", "RssAnon:") * 1024 / 1e6);
        }

        context.Report.Distribution(Scenario, "process start -> Connected", "ms", startToConnected, target: 250, targetOn: "p50");
        context.Report.Distribution(Scenario, "idle RSS", "MB", rss, target: 40, targetOn: "p50");
        context.Report.Distribution(Scenario, "idle PSS", "MB", pss);
        context.Report.Distribution(Scenario, "idle RSS anonymous (heap, stacks)", "MB", anonymous);
        var size = SizeOf(launcher);
        context.Report.Value(Scenario, launcher.ViaDotnet ? "framework-dependent build output size" : "published size", "MB", size / 1e6);
    }

    private static async Task<AgentLauncher> ResolveAgentAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var environment = (Environment.GetEnvironmentVariable("ARGY_BENCH_AGENT_ENV") ?? "")
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair.Length > 1 ? pair[1] : "");
        if (environment.Count > 0)
        {
            Console.WriteLine($"  agent environment: {string.Join(' ', environment.Select(p => $"{p.Key}={p.Value}"))}");
        }

        var chosen = Environment.GetEnvironmentVariable("ARGY_BENCH_AGENT");
        if (chosen == "build")
        {
            Console.WriteLine($"  agent: framework-dependent build output {Paths.Agent}");
            return AgentLauncher.Build with { Environment = environment };
        }

        if (!string.IsNullOrEmpty(chosen))
        {
            var path = Path.GetFullPath(chosen);
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"ARGY_BENCH_AGENT={chosen} does not exist");
            }

            Console.WriteLine($"  agent: {path} (ARGY_BENCH_AGENT)");
            return AgentLauncher.Executable(path, environment);
        }

        var sources = Paths.AgentSourcesWrittenUtc();
        if (File.Exists(Paths.PublishedAgent) && File.GetLastWriteTimeUtc(Paths.PublishedAgent) >= sources)
        {
            Console.WriteLine($"  agent: shipped executable {Paths.PublishedAgent} (packaging/publish.sh)");
            return AgentLauncher.Executable(Paths.PublishedAgent, environment);
        }

        var published = Path.Combine(Paths.BenchPublishDirectory, "argy-agent");
        if (!File.Exists(published) || File.GetLastWriteTimeUtc(published) < sources)
        {
            Console.WriteLine($"  publishing the agent as packaging/publish.sh does, into {Paths.BenchPublishDirectory} ...");
            var clock = Stopwatch.StartNew();
            await PublishAsync(Paths.BenchPublishDirectory, cancellationToken);
            context.Report.Value(Scenario, "publish time (dotnet publish -r linux-x64)", "s", clock.Elapsed.TotalSeconds);
        }

        Console.WriteLine($"  agent: published executable {published}");
        return AgentLauncher.Executable(published, environment);
    }

    private static async Task PublishAsync(string output, CancellationToken cancellationToken)
    {
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }

        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                "publish", Path.Combine(Paths.Root, "agent", "Argy.Agent"), "-c", "Release", "-r", "linux-x64",
                "-o", output, "--nologo", "-v", "quiet", "-clp:ErrorsOnly",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
        var output1 = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var output2 = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish of the agent failed:\n{await output1}{await output2}");
        }

        // Symbols are not shipped (packaging/publish.sh deletes them): they do not count in the size.
        foreach (var pdb in Directory.EnumerateFiles(output, "*.pdb", SearchOption.AllDirectories))
        {
            File.Delete(pdb);
        }
    }

    /// <summary>Bytes of what was measured: the published directory, or the build output directory.</summary>
    private static long SizeOf(AgentLauncher launcher)
    {
        var directory = new DirectoryInfo(Path.GetDirectoryName(launcher.Path)!);
        var files = directory.EnumerateFiles("*", SearchOption.AllDirectories).ToList();
        if (!launcher.ViaDotnet)
        {
            Console.WriteLine($"  executable {Path.GetFileName(launcher.Path)}: {new FileInfo(launcher.Path).Length / 1e6:F1} MB; " +
                $"directory {directory.FullName}: {files.Count} files");
        }

        return files.Sum(f => f.Length);
    }

    private static long Kilobytes(string file, string field)
    {
        foreach (var line in File.ReadLines(file))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
