using System.Text.Json;
using System.Text.Json.Nodes;
using CliWrap;
using CliWrap.Buffered;

namespace Argy.EndToEnd.Tests.Infrastructure;

public sealed record TenantCredentials(string TenantId, string Token);

/// <summary>
/// The real control plane as a separate process: Kestrel on 127.0.0.1 with ephemeral ports and a temporary
/// SQLite file. Restartable on the same database.
/// </summary>
public sealed class ControlPlane : IAsyncDisposable
{
    private readonly TempDirectory _directory = new("argy-cp");
    private ChildProcess? _process;

    public string DatabasePath => _directory.Combine("argy.db");

    public string Url { get; private set; } = "";

    public string GrpcUrl { get; private set; } = "";

    public TenantCredentials Admin { get; private set; } = new("", "");

    public string Output => _process?.Output ?? "";

    public Dictionary<string, string?> Settings { get; } = new()
    {
        ["Argy__Agents__HeartbeatInterval"] = "00:00:02",
    };

    public static async Task<ControlPlane> StartAsync(Action<Dictionary<string, string?>>? configure = null)
    {
        var controlPlane = new ControlPlane();
        configure?.Invoke(controlPlane.Settings);
        controlPlane.Admin = await controlPlane.CreateTenantAsync("default");
        await controlPlane.RestartAsync();
        return controlPlane;
    }

    /// <summary>Creates another tenant with its own admin token, through the bootstrap command.</summary>
    public async Task<TenantCredentials> CreateTenantAsync(string name)
    {
        var result = await Cli.Wrap("dotnet")
            .WithArguments([Executables.ControlPlane, "bootstrap", "--database", DatabasePath, "--tenant", name, "--json"])
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync();
        result.ExitCode.Should().Be(0, result.StandardError);
        var json = JsonNode.Parse(result.StandardOutput)!;
        return new TenantCredentials((string)json["tenantId"]!, (string)json["token"]!);
    }

    public async Task RestartAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        var readyFile = _directory.Combine($"ready-{Guid.NewGuid():N}.json");
        var environment = new Dictionary<string, string?>(Settings)
        {
            ["Argy__Storage__DatabasePath"] = DatabasePath,
            // The first start picks free ports; restarts keep them, so enrolled agents find the control plane again.
            ["Argy__Server__Http"] = Url.Length == 0 ? "127.0.0.1:0" : new Uri(Url).Authority,
            ["Argy__Server__Grpc"] = GrpcUrl.Length == 0 ? "127.0.0.1:0" : new Uri(GrpcUrl).Authority,
            ["Argy__Server__ReadyFile"] = readyFile,
            ["Argy__Bootstrap__Auto"] = "false",
        };
        _process = ChildProcess.StartDotnet(Executables.ControlPlane, [], environment, _directory.Path);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!File.Exists(readyFile))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"The control plane did not start. Output:\n{_process.Output}");
            }

            await Task.Delay(25);
        }

        var ready = JsonNode.Parse(await File.ReadAllTextAsync(readyFile))!;
        Url = (string)ready["http"]!;
        GrpcUrl = (string)ready["grpc"]!;
    }

    public void Kill() => _process?.Kill();

    /// <summary>Stops the process abruptly (SIGKILL), as a crash or an OOM kill would.</summary>
    public async Task KillAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _process = null;
        }
    }

    public ApiClient Api(TenantCredentials? as_ = null) => new(Url, (as_ ?? Admin).Token);

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        _directory.Dispose();
    }

    public static JsonSerializerOptions Json => ApiClient.Json;
}
