using Argy.Agent.Configuration;
using Argy.Agent.Hosting;
using Argy.Agent.State;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Argy.Agent.Tests.Support;

/// <summary>The agent's real host (as `argy-agent run` builds it) pointed at a fake control plane.</summary>
internal sealed class RunningAgent : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly IHost _host;

    private RunningAgent(Uri grpcUrl, int capacity, TimeSpan shutdownTimeout)
    {
        State = new AgentState
        {
            AgentId = "agt_test",
            TenantId = "ten_test",
            Credential = "argy_agent_secret",
            ControlPlaneUrl = new Uri("http://127.0.0.1/"),
            GrpcUrl = grpcUrl,
            Name = "builder-1",
        };
        var configuration = AgentConfiguration.Build(new Dictionary<string, string?>
        {
            ["Agent:StateDirectory"] = _directory.Combine("state"),
            ["Agent:WorkRoot"] = WorkRoot,
            ["Agent:Capacity"] = capacity.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Agent:Tags"] = "linux,docker",
            ["Agent:ShutdownTimeout"] = shutdownTimeout.ToString("c"),
            ["Serilog:MinimumLevel:Default"] = "Warning",
        });
        _host = AgentHost.Build(configuration, State);
    }

    public AgentState State { get; }

    public string WorkRoot => _directory.Combine("work");

    public int ExitCode => _host.Services.GetRequiredService<AgentExitCode>().Code;

    public static async Task<RunningAgent> StartAsync(Uri grpcUrl, int capacity = 1, TimeSpan? shutdownTimeout = null)
    {
        var agent = new RunningAgent(grpcUrl, capacity, shutdownTimeout ?? TimeSpan.FromSeconds(1));
        await agent._host.StartAsync();
        return agent;
    }

    /// <summary>What SIGTERM does: the host stops, which drains the agent.</summary>
    public Task StopAsync() => _host.StopAsync();

    /// <summary>Waits for the agent to stop on its own (e.g. after being revoked).</summary>
    public Task WaitForShutdownAsync(TimeSpan timeout) => _host.WaitForShutdownAsync().WaitAsync(timeout);

    public async ValueTask DisposeAsync()
    {
        using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _host.StopAsync(cancellation.Token);
        _host.Dispose();
        _directory.Dispose();
    }
}
