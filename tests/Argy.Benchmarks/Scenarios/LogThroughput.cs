using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Argy.Benchmarks.Harness;

namespace Argy.Benchmarks.Scenarios;

/// <summary>Scenario 4: a job writing a large output to stdout, stored complete by the control plane.</summary>
internal sealed class LogThroughput : IScenario
{
    public string Name => "log-throughput";

    public async Task RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        await using var controlPlane = await ControlPlaneHost.StartAsync();
        await using var agent = await RealAgent.StartAsync(controlPlane, ["logs"]);
        var megabytes = context.Scale(50, 200);
        var bytes = megabytes * 1_000_000L;

        var controlPlaneCpu = Proc.CpuTime(controlPlane.Pid);
        var agentCpu = Proc.CpuTime(agent.Process.Id);
        var clock = Stopwatch.StartNew();
        var response = await controlPlane.Api.PostAsJsonAsync("/api/v1/deployments",
            new { product = "bench", script = $"head -c {bytes} /dev/zero | tr '\\0' 'x'", tags = new[] { "logs" }, timeoutSeconds = 600 }, cancellationToken);
        response.EnsureSuccessStatusCode();
        var runId = (string)(await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!["runId"]!;
        while (true)
        {
            var run = await controlPlane.Api.GetFromJsonAsync<JsonObject>($"/api/v1/deployments/{runId}", cancellationToken);
            if ((string?)run!["status"] is "Succeeded" or "Failed" or "Cancelled" or "TimedOut")
            {
                if ((string?)run["status"] != "Succeeded")
                {
                    throw new InvalidOperationException($"The log job ended {run["status"]}: {run["message"]}");
                }

                break;
            }

            await Task.Delay(20, cancellationToken);
        }

        var elapsed = clock.Elapsed;
        var controlPlaneMs = (Proc.CpuTime(controlPlane.Pid) - controlPlaneCpu).TotalMilliseconds;
        var agentMs = (Proc.CpuTime(agent.Process.Id) - agentCpu).TotalMilliseconds;
        var stored = await CountStoredBytes(controlPlane, runId, cancellationToken);
        if (stored != bytes)
        {
            throw new InvalidOperationException($"Stored {stored} bytes of the {bytes} the job printed.");
        }

        context.Report.Value("4 log throughput", $"{megabytes} MB stdout -> stored, end to end", "MB/s", megabytes / elapsed.TotalSeconds, target: 150);
        context.Report.Value("4 log throughput", "control plane peak RSS", "MB", Proc.PeakRssBytes(controlPlane.Pid) / 1e6);
        context.Report.Value("4 log throughput", "agent peak RSS", "MB", Proc.PeakRssBytes(agent.Process.Id) / 1e6);
        // Where the time goes: CPU per MB of output on each side (the job's own pipeline is not counted).
        context.Report.Value("4 log throughput", "control-plane CPU per MB", "ms", controlPlaneMs / megabytes);
        context.Report.Value("4 log throughput", "agent CPU per MB", "ms", agentMs / megabytes);
    }

    private static async Task<long> CountStoredBytes(ControlPlaneHost controlPlane, string runId, CancellationToken cancellationToken)
    {
        await using var stream = await controlPlane.Api.GetStreamAsync($"/api/v1/deployments/{runId}/logs", cancellationToken);
        var buffer = new byte[1 << 16];
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
        }

        return total;
    }
}
