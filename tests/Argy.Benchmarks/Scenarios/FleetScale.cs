using System.Diagnostics;
using Argy.Benchmarks.Harness;
using Grpc.Core;
using Grpc.Net.Client;

namespace Argy.Benchmarks.Scenarios;

/// <summary>
/// Scenario 2: many simulated agents with real credentials on one control plane: time to connect them all,
/// memory and heartbeat CPU while idle, and time for all to reconnect after a control-plane restart with the
/// agents' jittered backoff.
/// </summary>
internal sealed class FleetScale : IScenario
{
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(10);

    public string Name => "fleet";

    public async Task RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var count = context.Scale(500, 10_000);
        await using var controlPlane = await ControlPlaneHost.StartAsync();

        var enrollClock = Stopwatch.StartNew();
        var identities = new AgentIdentity[count];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                identities[i] = await controlPlane.EnrollAsync($"fleet-{i}", ["fleet"], cancellationToken);
            }
        }));
        context.Report.Value("2 fleet", $"{count} agents created and enrolled (REST)", "s", enrollClock.Elapsed.TotalSeconds);

        var agents = identities.Select(identity => new SimulatedAgent(identity, capacity: 1, completeJobs: true)).ToArray();
        // Each channel opens more HTTP/2 connections as its 100-stream limit fills.
        var channels = Enumerable.Range(0, 8).Select(_ => SimulatedAgent.Channel(controlPlane.GrpcUrl)).ToArray();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var rssBefore = Proc.RssBytes(controlPlane.Pid);

        var connectClock = Stopwatch.StartNew();
        var loops = agents.Select((agent, i) => KeepConnected(agent, channels[i % channels.Length], stop.Token)).ToArray();
        await Task.WhenAll(agents.Select(a => a.Welcomed.Task)).WaitAsync(TimeSpan.FromMinutes(5), cancellationToken);
        context.Report.Value("2 fleet", $"connect all {count}", "s", connectClock.Elapsed.TotalSeconds);

        var window = context.Quick ? TimeSpan.FromSeconds(12) : TimeSpan.FromSeconds(40);
        var cpuBefore = Proc.CpuTime(controlPlane.Pid);
        var windowClock = Stopwatch.StartNew();
        await Heartbeats(agents, window, cancellationToken);
        var cpuShare = (Proc.CpuTime(controlPlane.Pid) - cpuBefore) / windowClock.Elapsed;
        context.Report.Value("2 fleet", $"control-plane RSS with {count} connected", "MB", Proc.RssBytes(controlPlane.Pid) / 1e6, target: 300);
        context.Report.Value("2 fleet", "RSS added per connected agent", "KB", (Proc.RssBytes(controlPlane.Pid) - rssBefore) / 1e3 / count);
        context.Report.Value("2 fleet", "heartbeat CPU, % of one core", "%", cpuShare * 100, target: 10);

        foreach (var agent in agents)
        {
            agent.ResetWelcome();
        }

        var restartClock = Stopwatch.StartNew();
        await controlPlane.RestartAsync();
        await Task.WhenAll(agents.Select(a => a.Welcomed.Task)).WaitAsync(TimeSpan.FromMinutes(5), cancellationToken);
        context.Report.Value("2 fleet", $"restart + reconnect all {count} (jittered backoff)", "s", restartClock.Elapsed.TotalSeconds);

        stop.Cancel();
        await Task.WhenAll(loops);
        foreach (var channel in channels)
        {
            channel.Dispose();
        }
    }

    /// <summary>Reconnects like the real agent: exponential backoff with full jitter, 1 s doubling to 60 s.</summary>
    private static async Task KeepConnected(SimulatedAgent agent, GrpcChannel channel, CancellationToken cancellationToken)
    {
        var attempt = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var status = await agent.RunSessionAsync(channel, cancellationToken);
            if (cancellationToken.IsCancellationRequested || status is StatusCode.PermissionDenied)
            {
                return;
            }

            var ceiling = Math.Min(60, Math.Pow(2, attempt++));
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(Random.Shared.NextDouble() * ceiling), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static async Task Heartbeats(SimulatedAgent[] agents, TimeSpan window, CancellationToken cancellationToken)
    {
        // Spread each interval's beats evenly, as independent agents' timers would be.
        var clock = Stopwatch.StartNew();
        var perTick = Math.Max(1, agents.Length / 100);
        var tick = HeartbeatInterval / 100;
        var index = 0;
        while (clock.Elapsed < window)
        {
            for (var i = 0; i < perTick; i++)
            {
                agents[index++ % agents.Length].SendHeartbeat();
            }

            await Task.Delay(tick, cancellationToken);
        }
    }
}
