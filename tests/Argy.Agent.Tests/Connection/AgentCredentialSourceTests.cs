using Argy.Agent.Configuration;
using Argy.Agent.Connection;
using Argy.Agent.State;
using Argy.Agent.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Argy.Agent.Tests.Connection;

public sealed class AgentCredentialSourceTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private AgentStateStore Store => new(_temp.Combine("state"));

    private static AgentState State(string agentId, string credential, string mode = AuthModes.Hmac, string? keyId = "key_1") => new()
    {
        AgentId = agentId,
        TenantId = "ten_1",
        Credential = credential,
        ControlPlaneUrl = new Uri("http://127.0.0.1/"),
        GrpcUrl = new Uri("http://127.0.0.1:8081"),
        AuthMode = mode,
        KeyId = keyId,
    };

    private AgentCredentialSource Source(AgentState initial) =>
        new(initial, Options.Create(new AgentOptions { StateDirectory = _temp.Combine("state") }), NullLogger<AgentCredentialSource>.Instance);

    private async Task ReplaceAsync(AgentState state)
    {
        await Store.SaveAsync(state, CancellationToken.None);
        File.SetLastWriteTimeUtc(Store.FilePath, DateTime.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task A_new_credential_in_the_state_file_is_taken()
    {
        var initial = State("agt_1", "argy_agk_1_first-secret-0123456789");
        await Store.SaveAsync(initial, CancellationToken.None);
        var source = Source(initial);

        await ReplaceAsync(State("agt_1", "argy_agk_1_second-secret-0123456789", keyId: "key_2"));
        await source.RefreshAsync(CancellationToken.None);

        source.Current.State.Credential.Should().Be("argy_agk_1_second-secret-0123456789");
        source.Current.Key!.KeyId.Should().Be("key_2");
    }

    [Fact]
    public async Task A_state_file_for_another_agent_is_ignored()
    {
        var initial = State("agt_1", "argy_agk_1_first-secret-0123456789");
        await Store.SaveAsync(initial, CancellationToken.None);
        var source = Source(initial);

        await ReplaceAsync(State("agt_2", "argy_agk_2_other-secret-0123456789"));
        await source.RefreshAsync(CancellationToken.None);

        source.Current.State.AgentId.Should().Be("agt_1");
        source.Current.State.Credential.Should().Be("argy_agk_1_first-secret-0123456789");
    }

    [Fact]
    public async Task An_unreadable_state_file_keeps_the_current_credential()
    {
        var initial = State("agt_1", "argy_agk_1_first-secret-0123456789");
        await Store.SaveAsync(initial, CancellationToken.None);
        var source = Source(initial);

        await File.WriteAllTextAsync(Store.FilePath, "{ half a file");
        File.SetLastWriteTimeUtc(Store.FilePath, DateTime.UtcNow.AddMinutes(1));
        await source.RefreshAsync(CancellationToken.None);

        source.Current.State.Credential.Should().Be("argy_agk_1_first-secret-0123456789");
    }

    [Fact]
    public void An_api_key_state_has_no_signing_key()
    {
        var source = Source(State("agt_1", "argy_agk_1_key-0123456789", AuthModes.ApiKey, null));

        source.Current.Key.Should().BeNull();
    }
}
