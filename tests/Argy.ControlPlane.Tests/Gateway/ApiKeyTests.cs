using Argy.ControlPlane.Tests.Support;
using Argy.Protocol.V1;
using Grpc.Core;

namespace Argy.ControlPlane.Tests.Gateway;

/// <summary>apikey mode (on-prem): the credential in the stream's metadata, compared with its stored hash.</summary>
public sealed class ApiKeyTests : IAsyncLifetime
{
    private TestControlPlane _controlPlane = null!;

    public async Task InitializeAsync() =>
        _controlPlane = await TestControlPlane.StartAsync(new Dictionary<string, string?> { ["Argy:AgentAuth:Mode"] = "apikey" });

    public async Task DisposeAsync() => await _controlPlane.DisposeAsync();

    private GatewayClient NewClient(EnrolledAgent agent) => new(new AgentGateway.AgentGatewayClient(_controlPlane.Channel()), agent, _controlPlane.Time);

    [Fact]
    public async Task The_right_key_connects()
    {
        var agent = await _controlPlane.EnrollAgentAsync();

        var welcome = await NewClient(agent).ConnectAsync();

        agent.AuthMode.Should().Be("apikey");
        agent.Credential.Should().StartWith("argy_agk_");
        welcome.Should().NotBeNull();
        var listed = await TestControlPlane.Json(await _controlPlane.Admin().GetAsync($"/api/v1/agents/{agent.AgentId}"), 200);
        ((string)listed["authMode"]!).Should().Be("apikey");
    }

    [Fact]
    public async Task A_wrong_key_is_refused_and_audited()
    {
        var agent = await _controlPlane.EnrollAgentAsync();
        var client = NewClient(agent);
        client.Open(GatewayClient.ApiKeyHeaders(agent, agent.Credential[..^4] + "AAAA"));
        await client.SendAsync(client.Hello());

        var end = await client.EndAsync();

        end.StatusCode.Should().Be(StatusCode.Unauthenticated);
        end.Status.Detail.Should().Be("Unknown agent or wrong credential.");
        (await AuditEvents.WaitForAsync(_controlPlane, "agent.auth.rejected")).Should().NotBeEmpty();
    }

    [Fact]
    public async Task A_revoked_key_is_refused_with_permission_denied_and_a_reason()
    {
        var agent = await _controlPlane.EnrollAgentAsync();
        await TestControlPlane.Json(await _controlPlane.Admin().PostAsync($"/api/v1/agents/{agent.AgentId}/revoke", null), 200);
        var client = NewClient(agent);
        client.Open(GatewayClient.ApiKeyHeaders(agent));
        await client.SendAsync(client.Hello());

        var end = await client.EndAsync();

        end.StatusCode.Should().Be(StatusCode.PermissionDenied);
        end.Status.Detail.Should().Contain("revoked");
    }

    [Fact]
    public async Task Another_agents_key_is_refused()
    {
        var agent = await _controlPlane.EnrollAgentAsync();
        var other = await _controlPlane.EnrollAgentAsync();
        var client = NewClient(agent);
        client.Open(GatewayClient.ApiKeyHeaders(agent, other.Credential));
        await client.SendAsync(client.Hello());

        (await client.EndAsync()).StatusCode.Should().Be(StatusCode.Unauthenticated);
    }

    [Fact]
    public async Task Missing_credentials_are_refused_with_what_to_send()
    {
        var agent = await _controlPlane.EnrollAgentAsync();
        var client = NewClient(agent);
        client.Open(new Metadata { { "x-argy-agent-id", agent.AgentId } });
        await client.SendAsync(client.Hello());

        var end = await client.EndAsync();

        end.StatusCode.Should().Be(StatusCode.Unauthenticated);
        end.Status.Detail.Should().StartWith("Missing agent credentials");
    }
}
