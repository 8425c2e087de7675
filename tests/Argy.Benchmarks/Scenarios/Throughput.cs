using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Argy.Benchmarks.Harness;

namespace Argy.Benchmarks.Scenarios;

/// <summary>Scenario 3: jobs dispatched and completed per second, by simulated agents and by real agents running `true`.</summary>
internal sealed class Throughput : IScenario
{
    public string Name => "throughput";

    public async Task RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        await using var controlPlane = await ControlPlaneHost.StartAsync();
        await Simulated(context, controlPlane, cancellationToken);
        await Real(context, controlPlane, cancellationToken);
    }

    private static async Task Simulated(BenchContext context, ControlPlaneHost controlPlane, CancellationToken cancellationToken)
    {
        var jobs = context.Scale(2000, 20000);
        var finished = 0;
        var allDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var channel = SimulatedAgent.Channel(controlPlane.GrpcUrl);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sessions = new List<Task>();
        for (var i = 0; i < context.Scale(4, 16); i++)
        {
            var identity = await controlPlane.EnrollAsync($"sim-throughput-{i}", ["throughput"], cancellationToken);
            var agent = new SimulatedAgent(identity, capacity: 64, completeJobs: true)
            {
                Assigned = (_, _) =>
                {
                    if (Interlocked.Increment(ref finished) == jobs)
                    {
                        allDone.TrySetResult();
                    }
                },
            };
            sessions.Add(agent.RunSessionAsync(channel, stop.Token));
            await agent.Welcomed.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        }

        var clock = Stopwatch.StartNew();
        var cpuBefore = Proc.CpuTime(controlPlane.Pid);
        await Submit(controlPlane, jobs, "throughput", "true", cancellationToken);
        var submitted = clock.Elapsed;
        await allDone.Task.WaitAsync(TimeSpan.FromMinutes(5), cancellationToken);
        var elapsed = clock.Elapsed;
        var cpu = Proc.CpuTime(controlPlane.Pid) - cpuBefore;

        context.Report.Value("3 throughput", $"simulated agents: {jobs} jobs dispatched", "jobs/s", jobs / elapsed.TotalSeconds, target: 2000);
        context.Report.Value("3 throughput", "simulated: submissions accepted", "jobs/s", jobs / submitted.TotalSeconds);
        context.Report.Value("3 throughput", "simulated: control-plane CPU per job", "ms", cpu.TotalMilliseconds / jobs);
        stop.Cancel();
        await Task.WhenAll(sessions);
    }

    private static async Task Real(BenchContext context, ControlPlaneHost controlPlane, CancellationToken cancellationToken)
    {
        var agents = new List<RealAgent>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                agents.Add(await RealAgent.StartAsync(controlPlane, ["real-throughput"], capacity: 4));
            }

            var jobs = context.Scale(100, 2000);
            var pids = agents.Select(a => a.Process.Id).ToList();
            var controlPlaneCpu = Proc.CpuTime(controlPlane.Pid);
            var agentCpu = Sum(pids, Proc.CpuTime);
            var sandboxCpu = Sum(pids, Proc.ChildrenCpuTime);
            var clock = Stopwatch.StartNew();
            var runIds = await Submit(controlPlane, jobs, "real-throughput", "true", cancellationToken);
            foreach (var runId in runIds)
            {
                await controlPlane.Api.GetStringAsync($"/api/v1/deployments/{runId}/logs?follow=true", cancellationToken);
            }

            var elapsed = clock.Elapsed;
            context.Report.Value("3 throughput", $"4 real agents x 4 slots: {jobs} x `true`", "jobs/s", jobs / elapsed.TotalSeconds, target: 500);
            // Where the time goes: CPU per job of each party, against the 2 cores x elapsed time available.
            context.Report.Value("3 throughput", "real: control-plane CPU per job", "ms", (Proc.CpuTime(controlPlane.Pid) - controlPlaneCpu).TotalMilliseconds / jobs);
            context.Report.Value("3 throughput", "real: agent processes CPU per job", "ms", (Sum(pids, Proc.CpuTime) - agentCpu).TotalMilliseconds / jobs);
            context.Report.Value("3 throughput", "real: sandboxes (setpriv, bwrap, job) CPU per job", "ms", (Sum(pids, Proc.ChildrenCpuTime) - sandboxCpu).TotalMilliseconds / jobs);
            context.Report.Value("3 throughput", "real: wall time per job per slot", "ms", elapsed.TotalMilliseconds * 16 / jobs);
        }
        finally
        {
            foreach (var agent in agents)
            {
                await agent.DisposeAsync();
            }
        }
    }

    private static TimeSpan Sum(IEnumerable<int> pids, Func<int, TimeSpan> cpu) =>
        pids.Aggregate(TimeSpan.Zero, (total, pid) => total + cpu(pid));

    private static async Task<string[]> Submit(ControlPlaneHost controlPlane, int jobs, string tag, string script, CancellationToken cancellationToken)
    {
        var runIds = new string[jobs];
        var next = -1;
        var workers = Enumerable.Range(0, 32).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < jobs)
            {
                var response = await controlPlane.Api.PostAsJsonAsync("/api/v1/deployments", new { product = "bench", script, tags = new[] { tag } }, cancellationToken);
                response.EnsureSuccessStatusCode();
                runIds[i] = (string)(await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!["runId"]!;
            }
        });
        await Task.WhenAll(workers);
        return runIds;
    }
}
