using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Argy.Benchmarks.Harness;

namespace Argy.Benchmarks.Scenarios;

/// <summary>
/// Scenario 1. (a) REST submit → AssignJob read by an idle simulated agent; (b) submit → the job's first
/// instruction running on a real agent; and submit → the run's end as a CI client following the log sees it.
/// </summary>
internal sealed class DispatchLatency : IScenario
{
    public string Name => "dispatch-latency";

    public async Task RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        await using var controlPlane = await ControlPlaneHost.StartAsync();
        await MeasureAssignment(context, controlPlane, cancellationToken);
        await MeasureRealAgent(context, controlPlane, cancellationToken);
    }

    private static async Task MeasureAssignment(BenchContext context, ControlPlaneHost controlPlane, CancellationToken cancellationToken)
    {
        var identity = await controlPlane.EnrollAsync("sim-latency", ["latency"], cancellationToken);
        var assigned = new ConcurrentDictionary<string, long>();
        var signal = new SemaphoreSlim(0);
        var agent = new SimulatedAgent(identity, capacity: 64, completeJobs: true)
        {
            Assigned = (job, at) =>
            {
                assigned[job.RunId] = at;
                signal.Release();
            },
        };
        using var channel = SimulatedAgent.Channel(controlPlane.GrpcUrl);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var session = agent.RunSessionAsync(channel, stop.Token);
        await agent.Welcomed.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);

        var submitToAssign = new List<double>();
        var submitRoundTrip = new List<double>();
        var count = context.Scale(300, 3000);
        var warmup = 50;
        for (var i = 0; i < warmup + count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var response = await controlPlane.Api.PostAsJsonAsync("/api/v1/deployments", new { product = "bench", script = "true", tags = new[] { "latency" } }, cancellationToken);
            var answered = Stopwatch.GetTimestamp();
            response.EnsureSuccessStatusCode();
            var runId = (string)(await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!["runId"]!;
            await signal.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            if (i >= warmup && assigned.TryGetValue(runId, out var at))
            {
                submitToAssign.Add(Stopwatch.GetElapsedTime(started, at).TotalMilliseconds);
                submitRoundTrip.Add(Stopwatch.GetElapsedTime(started, answered).TotalMilliseconds);
            }
        }

        context.Report.Distribution("1 dispatch", "submit sent -> AssignJob at agent", "ms", submitToAssign, target: 1, targetOn: "p50");
        context.Report.Distribution("1 dispatch", "submit sent -> AssignJob at agent (p99)", "ms", submitToAssign, target: 5, targetOn: "p99");
        context.Report.Distribution("1 dispatch", "submit round trip (202 received)", "ms", submitRoundTrip);
        stop.Cancel();
        await session;
    }

    private static async Task MeasureRealAgent(BenchContext context, ControlPlaneHost controlPlane, CancellationToken cancellationToken)
    {
        await using var agent = await RealAgent.StartAsync(controlPlane, ["real-latency"]);
        var toFirstInstruction = new List<double>();
        var toObservedEnd = new List<double>();
        var count = context.Scale(20, 200);
        for (var i = 0; i < count + 3; i++)
        {
            var startedWall = DateTimeOffset.UtcNow;
            var started = Stopwatch.GetTimestamp();
            var response = await controlPlane.Api.PostAsJsonAsync("/api/v1/deployments",
                new { product = "bench", script = "date +%s%N", tags = new[] { "real-latency" } }, cancellationToken);
            response.EnsureSuccessStatusCode();
            var runId = (string)(await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!["runId"]!;
            // Follow the log as CI does: the response ends when the run has ended.
            var log = await controlPlane.Api.GetStringAsync($"/api/v1/deployments/{runId}/logs?follow=true", cancellationToken);
            var ended = Stopwatch.GetTimestamp();
            if (i < 3)
            {
                continue;
            }

            var firstInstructionNs = long.Parse(log.Trim(), CultureInfo.InvariantCulture);
            var startedNs = (startedWall.ToUnixTimeMilliseconds() * 1_000_000) + (startedWall.Ticks % TimeSpan.TicksPerMillisecond * 100);
            toFirstInstruction.Add((firstInstructionNs - startedNs) / 1_000_000.0);
            toObservedEnd.Add(Stopwatch.GetElapsedTime(started, ended).TotalMilliseconds);
        }

        context.Report.Distribution("1 dispatch", "submit -> first instruction (real agent)", "ms", toFirstInstruction, target: 8, targetOn: "p50");
        context.Report.Distribution("1 dispatch", "submit -> first instruction (p99)", "ms", toFirstInstruction, target: 20, targetOn: "p99");
        context.Report.Distribution("1 dispatch", "submit -> end seen by follower (`date`)", "ms", toObservedEnd);
    }
}
