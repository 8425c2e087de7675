using System.Diagnostics;
using Argy.Benchmarks.Harness;

namespace Argy.Benchmarks.Scenarios;

/// <summary>Scenario 5: an idle real agent's memory, and process start → listed Connected.</summary>
internal sealed class AgentFootprint : IScenario
{
    public string Name => "agent-footprint";

    public async Task RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        await using var controlPlane = await ControlPlaneHost.StartAsync();
        var startToConnected = new List<double>();
        var rss = new List<double>();
        for (var i = 0; i < context.Scale(3, 10); i++)
        {
            await using var agent = await RealAgent.StartAsync(controlPlane, ["footprint"], waitConnected: false);
            var connected = await agent.WaitForStatusAsync(controlPlane, "Connected", TimeSpan.FromSeconds(30));
            startToConnected.Add(Stopwatch.GetElapsedTime(agent.StartedAt, connected).TotalMilliseconds);
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            rss.Add(Proc.RssBytes(agent.Process.Id) / 1e6);
        }

        context.Report.Distribution("5 agent footprint", "process start -> Connected", "ms", startToConnected, target: 250, targetOn: "p50");
        context.Report.Distribution("5 agent footprint", "idle RSS", "MB", rss, target: 40, targetOn: "p50");
        var directory = Path.GetDirectoryName(Paths.Agent)!;
        var size = new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        context.Report.Value("5 agent footprint", "framework-dependent build output size", "MB", size / 1e6);
    }
}
