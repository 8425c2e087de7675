using System.Diagnostics;
using Argy.Benchmarks.Harness;

namespace Argy.Benchmarks.Scenarios;

/// <summary>Scenario 6: revoke → stream closed at the agent; agent killed → marked Disconnected.</summary>
internal sealed class RevocationAndLoss : IScenario
{
    public string Name => "revocation";

    public async Task RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        await using var controlPlane = await ControlPlaneHost.StartAsync();
        using var channel = SimulatedAgent.Channel(controlPlane.GrpcUrl);
        var revokeToClosed = new List<double>();
        for (var i = 0; i < context.Scale(20, 100); i++)
        {
            var identity = await controlPlane.EnrollAsync($"revoke-{i}", ["revoke"], cancellationToken);
            var agent = new SimulatedAgent(identity, capacity: 1, completeJobs: true);
            var session = agent.RunSessionAsync(channel, cancellationToken);
            await agent.Welcomed.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            var started = Stopwatch.GetTimestamp();
            var response = await controlPlane.Api.PostAsync($"/api/v1/agents/{identity.AgentId}/revoke", null, cancellationToken);
            response.EnsureSuccessStatusCode();
            await session.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            revokeToClosed.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        context.Report.Distribution("6 revocation", "revoke sent -> stream closed at agent", "ms", revokeToClosed, target: 100, targetOn: "p99");

        await using var real = await RealAgent.StartAsync(controlPlane, ["loss"]);
        var killed = Stopwatch.GetTimestamp();
        real.Process.Kill();
        var disconnected = await real.WaitForStatusAsync(controlPlane, ["Disconnected", "Error"], TimeSpan.FromSeconds(60));
        context.Report.Value("6 revocation", "agent SIGKILLed -> listed Disconnected/Error", "s", Stopwatch.GetElapsedTime(killed, disconnected).TotalSeconds, target: 30);
    }
}
