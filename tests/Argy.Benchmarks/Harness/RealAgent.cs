using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Argy.Benchmarks.Harness;

/// <summary>A real argy-agent process of this build, enrolled with a one-time token.</summary>
internal sealed class RealAgent : IAsyncDisposable
{
    private readonly string _directory;
    private readonly StringWriter _log;

    private RealAgent(string id, string directory, StringWriter log, Process process, long startedAt)
    {
        Id = id;
        _directory = directory;
        _log = log;
        Process = process;
        StartedAt = startedAt;
    }

    public string Id { get; }

    public Process Process { get; }

    /// <summary>Stopwatch timestamp just before the process was started.</summary>
    public long StartedAt { get; }

    public static async Task<RealAgent> StartAsync(ControlPlaneHost controlPlane, string[] tags, int capacity = 1, bool waitConnected = true)
    {
        var directory = Path.Combine(Path.GetTempPath(), "argy-bench-agent-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(directory, "work"));
        var (id, token) = await controlPlane.CreateAgentAsync("bench-" + Guid.NewGuid().ToString("N")[..8], tags);
        var enroll = Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Paths.Agent, "enroll", "--url", controlPlane.Url, "--token", token, "--state-dir", Path.Combine(directory, "state") },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        await enroll.WaitForExitAsync();
        if (enroll.ExitCode != 0)
        {
            throw new InvalidOperationException("enroll failed: " + await enroll.StandardError.ReadToEndAsync());
        }

        var log = new StringWriter();
        var startedAt = Stopwatch.GetTimestamp();
        var process = Proc.StartDotnet(Paths.Agent,
            ["run", "--state-dir", Path.Combine(directory, "state"), "--work-root", Path.Combine(directory, "work"), "--capacity", capacity.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            new Dictionary<string, string?> { ["Serilog__MinimumLevel__Default"] = "Warning" }, directory, log);
        var agent = new RealAgent(id, directory, log, process, startedAt);
        if (waitConnected)
        {
            await agent.WaitForStatusAsync(controlPlane, "Connected", TimeSpan.FromSeconds(30));
        }

        return agent;
    }

    public async Task<long> WaitForStatusAsync(ControlPlaneHost controlPlane, string status, TimeSpan timeout) =>
        await WaitForStatusAsync(controlPlane, [status], timeout);

    public async Task<long> WaitForStatusAsync(ControlPlaneHost controlPlane, string[] statuses, TimeSpan timeout)
    {
        var status = string.Join(" or ", statuses);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            var agent = await controlPlane.Api.GetFromJsonAsync<JsonObject>($"/api/v1/agents/{Id}");
            if (statuses.Contains((string?)agent!["status"]))
            {
                return Stopwatch.GetTimestamp();
            }

            await Task.Delay(5);
        }

        throw new TimeoutException($"agent {Id} did not become {status}:\n{_log}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
