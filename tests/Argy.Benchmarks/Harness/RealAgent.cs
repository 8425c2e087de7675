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

    /// <param name="launcher">Which agent to start: by default this build's framework-dependent output.</param>
    public static async Task<RealAgent> StartAsync(ControlPlaneHost controlPlane, string[] tags, int capacity = 1, bool waitConnected = true, AgentLauncher? launcher = null)
    {
        launcher ??= AgentLauncher.Build;
        var directory = Path.Combine(Path.GetTempPath(), "argy-bench-agent-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(directory, "work"));
        var (id, token) = await controlPlane.CreateAgentAsync("bench-" + Guid.NewGuid().ToString("N")[..8], tags);
        var enrollInfo = launcher.StartInfo(["enroll", "--url", controlPlane.Url, "--token", token, "--state-dir", Path.Combine(directory, "state")], directory);
        using var enroll = Process.Start(enrollInfo)!;
        var enrollError = enroll.StandardError.ReadToEndAsync();
        _ = enroll.StandardOutput.ReadToEndAsync();
        await enroll.WaitForExitAsync();
        if (enroll.ExitCode != 0)
        {
            throw new InvalidOperationException("enroll failed: " + await enrollError);
        }

        var log = new StringWriter();
        var startedAt = Stopwatch.GetTimestamp();
        var info = launcher.StartInfo(
            ["run", "--state-dir", Path.Combine(directory, "state"), "--work-root", Path.Combine(directory, "work"), "--capacity", capacity.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            directory);
        // The agent reads only ARGY_-prefixed variables (AgentConfiguration).
        info.Environment["ARGY_Serilog__MinimumLevel__Default"] = "Warning";
        // The log scenario prints 200 MB in one run: above the default cap of a run's output (100 MiB).
        info.Environment["ARGY_Agent__MaxJobLogBytes"] = "1073741824";
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
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

    private static void Write(StringWriter log, string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.WriteLine(line);
            }
        }
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

/// <summary>
/// How an agent process is started: this build's framework-dependent output through <c>dotnet</c>, or a
/// published executable; either with extra environment variables (runtime knobs such as <c>DOTNET_GCgen0size</c>).
/// </summary>
internal sealed record AgentLauncher(string Path, bool ViaDotnet, IReadOnlyDictionary<string, string> Environment)
{
    public static AgentLauncher Build => new(Paths.Agent, ViaDotnet: true, new Dictionary<string, string>());

    public static AgentLauncher Executable(string path, IReadOnlyDictionary<string, string>? environment = null) =>
        path.EndsWith(".dll", StringComparison.Ordinal)
            ? new(path, ViaDotnet: true, environment ?? new Dictionary<string, string>())
            : new(path, ViaDotnet: false, environment ?? new Dictionary<string, string>());

    public ProcessStartInfo StartInfo(IEnumerable<string> arguments, string workingDirectory)
    {
        var info = new ProcessStartInfo(ViaDotnet ? "dotnet" : Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        if (ViaDotnet)
        {
            info.ArgumentList.Add(Path);
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in Environment)
        {
            info.Environment[key] = value;
        }

        return info;
    }
}
