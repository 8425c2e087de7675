using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Argy.Benchmarks.Harness;

/// <summary>The real control plane (this build's executable), on loopback ports and a fresh SQLite file.</summary>
internal sealed class ControlPlaneHost : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "argy-bench-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly StringWriter _log = new();
    private Process? _process;

    public int HttpPort { get; } = FreePort();

    public int GrpcPort { get; } = FreePort();

    public string Url => $"http://127.0.0.1:{HttpPort}";

    public string GrpcUrl => $"http://127.0.0.1:{GrpcPort}";

    public string AdminToken { get; private set; } = "";

    public int Pid => _process?.Id ?? throw new InvalidOperationException("Not running.");

    public HttpClient Api { get; private set; } = new();

    /// <summary>hmac (default of the control plane) or apikey.</summary>
    public string AuthMode { get; init; } = "apikey";

    public static async Task<ControlPlaneHost> StartAsync()
    {
        var host = new ControlPlaneHost();
        Directory.CreateDirectory(host._directory);
        var bootstrap = Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Paths.ControlPlane, "bootstrap", "--database", host.DatabasePath, "--json" },
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        var output = await bootstrap.StandardOutput.ReadToEndAsync();
        await bootstrap.WaitForExitAsync();
        host.AdminToken = (string)JsonNode.Parse(output)!["token"]!;
        host.Api = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri(host.Url), Timeout = TimeSpan.FromMinutes(5) };
        host.Api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", host.AdminToken);
        await host.RestartAsync();
        return host;
    }

    private string DatabasePath => Path.Combine(_directory, "argy.db");

    public async Task RestartAsync()
    {
        await StopAsync();
        var ready = Path.Combine(_directory, $"ready-{Guid.NewGuid():N}.json");
        var environment = new Dictionary<string, string?>
        {
            ["Argy__Storage__DatabasePath"] = DatabasePath,
            ["Argy__Server__Http"] = $"127.0.0.1:{HttpPort}",
            ["Argy__Server__Grpc"] = $"127.0.0.1:{GrpcPort}",
            ["Argy__Server__ReadyFile"] = ready,
            ["Argy__Bootstrap__Auto"] = "false",
            // Simulated agents authenticate with API keys (the on-prem mode); real agents follow the mode they enrolled with.
            ["Argy__AgentAuth__Mode"] = AuthMode,
            ["Serilog__MinimumLevel__Default"] = "Warning",
        };
        foreach (var (name, value) in ExtraEnvironment())
        {
            environment[name] = value;
        }

        _process = Proc.StartDotnet(Paths.ControlPlane, [], environment, _directory, _log);
        var deadline = Stopwatch.StartNew();
        while (!File.Exists(ready))
        {
            if (_process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new InvalidOperationException("The control plane did not start:\n" + _log);
            }

            await Task.Delay(10);
        }
    }

    /// <summary>
    /// ARGY_BENCH_CP_&lt;NAME&gt;=value in the benchmark's environment sets NAME=value for the control plane, to
    /// compare settings (GC modes, options) without editing the harness.
    /// </summary>
    private static IEnumerable<(string Name, string? Value)> ExtraEnvironment()
    {
        const string prefix = "ARGY_BENCH_CP_";
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string name && name.StartsWith(prefix, StringComparison.Ordinal) && name.Length > prefix.Length)
            {
                yield return (name[prefix.Length..], entry.Value as string);
            }
        }
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async Task<(string Id, string EnrollmentToken)> CreateAgentAsync(string name, IEnumerable<string> tags, CancellationToken cancellationToken = default)
    {
        var response = await Api.PostAsJsonAsync("/api/v1/agents", new { name, tags }, cancellationToken);
        response.EnsureSuccessStatusCode();
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
        return ((string)body["id"]!, (string)body["enrollmentToken"]!);
    }

    public async Task<AgentIdentity> EnrollAsync(string name, IEnumerable<string> tags, CancellationToken cancellationToken = default)
    {
        var (_, token) = await CreateAgentAsync(name, tags, cancellationToken);
        var response = await Api.PostAsJsonAsync("/api/v1/agents/enroll", new { token, hostname = "bench", os = "linux", arch = "x64", version = "bench" }, cancellationToken);
        response.EnsureSuccessStatusCode();
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
        return new AgentIdentity((string)body["agentId"]!, (string)body["tenantId"]!, (string)body["credential"]!);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Api.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal sealed record AgentIdentity(string AgentId, string TenantId, string Credential);
