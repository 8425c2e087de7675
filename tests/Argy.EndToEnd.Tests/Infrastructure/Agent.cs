using System.Text.Json.Nodes;
using CliWrap;
using CliWrap.Buffered;

namespace Argy.EndToEnd.Tests.Infrastructure;

/// <summary>A real argy-agent process: created through the API, enrolled with its one-time token, then running.</summary>
public sealed class Agent : IAsyncDisposable
{
    private readonly TempDirectory _directory = new("argy-agent");
    private ChildProcess? _process;

    private Agent(string id, string name)
    {
        Id = id;
        Name = name;
    }

    public string Id { get; }

    public string Name { get; }

    public string StateDirectory => _directory.Combine("state");

    public string WorkRoot => _directory.Combine("work");

    public ChildProcess Process => _process ?? throw new InvalidOperationException("The agent is not running.");

    /// <summary>Creates, enrolls and starts an agent, and waits until the control plane lists it Connected.</summary>
    /// <param name="settings">Extra agent settings as environment variables, e.g. ARGY_AGENT__KEEPFAILEDWORKSPACES.</param>
    public static async Task<Agent> StartAsync(
        ControlPlane controlPlane, string[] tags, int capacity = 1, TenantCredentials? tenant = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        using var api = controlPlane.Api(tenant);
        var name = "agent-" + Guid.NewGuid().ToString("N")[..8];
        var created = await api.CreateAgentAsync(name, tags);
        var agent = new Agent((string)created["id"]!, name);
        Directory.CreateDirectory(agent.WorkRoot);

        // Jobs run as another user (uid 1001), who must be able to pass through to the workspaces whatever the umask.
        File.SetUnixFileMode(Path.GetDirectoryName(agent.WorkRoot)!, (UnixFileMode)0b111_101_101);
        await agent.EnrollAsync(controlPlane.Url, (string)created["enrollmentToken"]!);
        agent.Run(capacity, settings);
        await agent.WaitForStatusAsync(api, "Connected");
        return agent;
    }

    public async Task<BufferedCommandResult> EnrollAsync(string url, string token, bool expectSuccess = true)
    {
        var result = await Cli.Wrap("dotnet")
            .WithArguments([Executables.Agent, "enroll", "--url", url, "--token", token, "--state-dir", StateDirectory])
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync();
        if (expectSuccess)
        {
            result.ExitCode.Should().Be(0, "enroll printed: {0}{1}", result.StandardOutput, result.StandardError);
        }

        return result;
    }

    public void Run(int capacity = 1, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var environment = new Dictionary<string, string?> { ["ARGY_AGENT_TEST_MARKER"] = "agent-environment-must-not-leak" };
        foreach (var (name, value) in settings ?? new Dictionary<string, string?>())
        {
            environment[name] = value;
        }

        _process = ChildProcess.StartDotnet(
            Executables.Agent,
            ["run", "--state-dir", StateDirectory, "--work-root", WorkRoot, "--capacity", capacity.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            environment);
    }

    public async Task<JsonObject> WaitForStatusAsync(ApiClient api, string status) =>
        await Eventually.Until(() => api.GetAgentAsync(Id), a => (string?)a["status"] == status, TimeSpan.FromSeconds(30),
            $"agent {Id} to be {status}; agent output:\n{_process?.Output}");

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        _directory.Dispose();
    }
}
