using Argy.Agent.Configuration;
using Argy.Agent.Hosting;
using Argy.Agent.State;
using Argy.Agent.Tests.Support;
using Argy.Protocol.Signing;
using Microsoft.Extensions.Hosting;

namespace Argy.Agent.Tests.Connection;

/// <summary>The agent's real host in hmac mode, its state file on disk so `rotate` can replace it under a running agent.</summary>
internal sealed class HmacAgent : IAsyncDisposable
{
    public const string Secret = "argy_agk_test_first-secret-0123456789abcdefgh";

    private readonly TempDirectory _directory = new();
    private IHost? _host;

    public AgentStateStore Store => new(_directory.Combine("state"));

    public AgentState State { get; private set; } = null!;

    public static SigningKey FirstKey => new("key_first", Secret);

    public static async Task<HmacAgent> StartAsync(Uri grpcUrl)
    {
        var agent = new HmacAgent();
        agent.State = new AgentState
        {
            AgentId = "agt_test",
            TenantId = "ten_test",
            Credential = Secret,
            ControlPlaneUrl = new Uri("http://127.0.0.1/"),
            GrpcUrl = grpcUrl,
            Name = "builder-1",
            AuthMode = AuthModes.Hmac,
            KeyId = "key_first",
        };
        await agent.Store.SaveAsync(agent.State, CancellationToken.None);
        var configuration = AgentConfiguration.Build(new Dictionary<string, string?>
        {
            ["Agent:StateDirectory"] = agent._directory.Combine("state"),
            ["Agent:WorkRoot"] = agent._directory.Combine("work"),
            ["Serilog:MinimumLevel:Default"] = "Warning",
        });
        agent._host = AgentHost.Build(configuration, agent.State);
        await agent._host.StartAsync();
        return agent;
    }

    /// <summary>What `argy-agent rotate` leaves behind: the same identity with a new key.</summary>
    public async Task<SigningKey> RotateOnDiskAsync(string keyId, string secret)
    {
        // A different modification time than the file the agent started with, whatever the file system's resolution.
        await Task.Delay(20);
        await Store.SaveAsync(new AgentState
        {
            AgentId = State.AgentId,
            TenantId = State.TenantId,
            Credential = secret,
            ControlPlaneUrl = State.ControlPlaneUrl,
            GrpcUrl = State.GrpcUrl,
            Name = State.Name,
            AuthMode = AuthModes.Hmac,
            KeyId = keyId,
        }, CancellationToken.None);
        File.SetLastWriteTimeUtc(Path.Combine(_directory.Combine("state"), AgentStateStore.FileName), DateTime.UtcNow.AddSeconds(1));
        return new SigningKey(keyId, secret);
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _host.StopAsync(cancellation.Token);
            _host.Dispose();
        }

        _directory.Dispose();
    }
}
