using System.Diagnostics;
using Argy.Benchmarks.Harness;

namespace Argy.Benchmarks.Scenarios;

/// <summary>
/// Scenario 2: many simulated agents with real credentials on one control plane: time to connect them all,
/// memory and heartbeat CPU while idle, and time for all to reconnect after a control-plane restart with the
/// real agent's jittered backoff.
/// </summary>
/// <remarks>
/// Each simulated agent behaves as the real one does once connected: it heartbeats at the interval the Welcome
/// names, from its own timer, and reconnects with <see cref="Argy.Agent.Connection.ReconnectBackoff"/>. They share
/// a few channels (each opens HTTP/2 connections as its 100-stream limit fills), where real agents have a TCP
/// connection each: per-connection costs of the control plane are not in these figures.
/// </remarks>
internal sealed class FleetScale : IScenario
{
    private const string Scenario = "2 fleet";

    /// <summary>The control plane's default, which its Welcome tells the agents.</summary>
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(10);

    public string Name => "fleet";

    public async Task RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var count = context.Scale(500, 10_000);
        var report = context.Report;
        await using var controlPlane = await ControlPlaneHost.StartAsync();
        report.Value(Scenario, "control-plane RSS, idle, no agents", "MB", Proc.RssBytes(controlPlane.Pid) / 1e6);

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
        report.Value(Scenario, $"{count} agents created and enrolled (REST)", "s", enrollClock.Elapsed.TotalSeconds);

        var agents = identities.Select(identity => new SimulatedAgent(identity, capacity: 1, completeJobs: true)).ToArray();
        var channels = Enumerable.Range(0, 8).Select(_ => SimulatedAgent.Channel(controlPlane.GrpcUrl)).ToArray();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var rssBefore = Proc.RssBytes(controlPlane.Pid);
        report.Value(Scenario, $"control-plane RSS after enrolling {count}, none connected", "MB", rssBefore / 1e6);

        var cpuBeforeConnect = Proc.CpuTime(controlPlane.Pid);
        var connectClock = Stopwatch.StartNew();
        var loops = agents.Select((agent, i) => agent.KeepConnectedAsync(channels[i % channels.Length], stop.Token)).ToArray();
        await Task.WhenAll(agents.Select(a => a.Welcomed.Task)).WaitAsync(TimeSpan.FromMinutes(5), cancellationToken);
        report.Value(Scenario, $"connect all {count}", "s", connectClock.Elapsed.TotalSeconds);
        report.Value(Scenario, "control-plane CPU per connection (auth, Hello, Welcome)", "ms",
            (Proc.CpuTime(controlPlane.Pid) - cpuBeforeConnect).TotalMilliseconds / count);
        report.Value(Scenario, "failed connection attempts while connecting", "count", SimulatedAgent.FailedAttempts);

        // Let the connection burst settle (tiered compilation, GC, the last agents' first beats) and every agent
        // reach its steady beat, then measure whole heartbeat intervals.
        await Task.Delay(HeartbeatInterval, cancellationToken);
        var window = HeartbeatInterval * (context.Quick ? 2 : 6);
        var beatsBefore = SimulatedAgent.HeartbeatsSent;
        var cpuBefore = Proc.CpuTime(controlPlane.Pid);
        var windowClock = Stopwatch.StartNew();
        await Task.Delay(window, cancellationToken);
        var cpu = Proc.CpuTime(controlPlane.Pid) - cpuBefore;
        var elapsed = windowClock.Elapsed;
        var beats = SimulatedAgent.HeartbeatsSent - beatsBefore;
        var rss = Proc.RssBytes(controlPlane.Pid);
        report.Value(Scenario, $"control-plane RSS with {count} connected", "MB", rss / 1e6, target: 300);
        report.Value(Scenario, "RSS added per connected agent", "KB", (rss - rssBefore) / 1e3 / count);
        report.Value(Scenario, "heartbeats received", "/s", beats / elapsed.TotalSeconds);
        report.Value(Scenario, "heartbeat CPU, % of one core", "%", cpu / elapsed * 100, target: 10);
        report.Value(Scenario, "control-plane CPU per heartbeat", "µs", beats == 0 ? 0 : cpu.TotalMicroseconds / beats);

        foreach (var agent in agents)
        {
            agent.ResetWelcome();
        }

        // Down and up again as a crash and restart would be: the process is killed, a new one opens the same database.
        var refusedBefore = SimulatedAgent.RefusedAttempts;
        var cpuHarnessBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var restartClock = Stopwatch.StartNew();
        await controlPlane.RestartAsync();
        var ready = restartClock.Elapsed;
        SimulatedAgent.MarkNow();
        var cpuAtReady = Proc.CpuTime(controlPlane.Pid);
        await Task.WhenAll(agents.Select(a => a.Welcomed.Task)).WaitAsync(TimeSpan.FromMinutes(5), cancellationToken);
        var total = restartClock.Elapsed;
        var reconnectCpu = Proc.CpuTime(controlPlane.Pid) - cpuAtReady;
        var harnessCpu = Process.GetCurrentProcess().TotalProcessorTime - cpuHarnessBefore;
        report.Value(Scenario, "restart: killed to ready (new process, same database)", "s", ready.TotalSeconds);
        report.Value(Scenario, $"restart: ready to all {count} reconnected (jittered backoff)", "s", (total - ready).TotalSeconds);
        report.Value(Scenario, $"restart + reconnect all {count}", "s", total.TotalSeconds);
        report.Value(Scenario, "restart: control-plane CPU while all reconnect, % of one core", "%", reconnectCpu / (total - ready) * 100);
        report.Value(Scenario, "restart: simulated agents' CPU (same machine), % of one core", "%", harnessCpu / total * 100);
        report.Value(Scenario, "restart: attempts refused (before Welcome)", "count", SimulatedAgent.RefusedAttempts - refusedBefore);
        report.Value(Scenario, "restart: attempts failed by the ready control plane", "count", SimulatedAgent.FailedAfterMark);
        report.Value(Scenario, "restart: most consecutive failures of one agent", "count", SimulatedAgent.MostConsecutiveFailures);
        foreach (var (reason, times) in SimulatedAgent.FailureReasons.OrderByDescending(r => r.Value).Take(5))
        {
            Console.WriteLine($"    failed {times}x: {reason}");
        }

        // The same fleet on a process that has done nothing but take it back: no enrollment garbage in its heap.
        await Task.Delay(HeartbeatInterval, cancellationToken);
        report.Value(Scenario, $"control-plane RSS with {count} reconnected after restart", "MB", Proc.RssBytes(controlPlane.Pid) / 1e6, target: 300);

        stop.Cancel();
        await Task.WhenAll(loops);
        foreach (var channel in channels)
        {
            channel.Dispose();
        }
    }
}
