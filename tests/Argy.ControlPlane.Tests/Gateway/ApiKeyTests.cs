using System.Net.Http.Headers;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tests.Support;
using Argy.Protocol;
using Argy.Protocol.V1;
using Dapper;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

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

    [Fact]
    public async Task An_agents_api_key_is_not_taken_for_a_malformed_user_token()
    {
        var agent = await _controlPlane.EnrollAgentAsync();
        await NewClient(agent).ConnectAsync();
        (await AuditEvents.WaitForAsync(_controlPlane, "agent.connected")).Should().NotBeEmpty();

        // A user-token refusal after it: refusals are written in the order they happen, so once this one is stored
        // any the connection caused would be too.
        (await _controlPlane.Http("argy_pat_not_a_token").GetAsync("/api/v1/agents")).StatusCode.Should().Be(System.Net.HttpStatusCode.Unauthorized);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (TokenRefusals().Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        TokenRefusals().Should().ContainSingle().Which.Should().Contain("unknown", "only the bad user token was refused, not the agent's stream");
    }

    [Fact]
    public async Task An_agents_api_key_opens_no_user_endpoint()
    {
        var agent = await _controlPlane.EnrollAgentAsync();
        var client = _controlPlane.Http();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(ProtocolHeaders.ApiKeyScheme, agent.Credential);
        client.DefaultRequestHeaders.Add(ProtocolHeaders.AgentId, agent.AgentId);
        client.DefaultRequestHeaders.Add(ProtocolHeaders.TenantId, agent.TenantId);

        var response = await client.GetAsync("/api/v1/agents");

        response.StatusCode.Should().Be(System.Net.HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.ToString().Should().Be("Bearer");
    }

    private List<string> TokenRefusals()
    {
        using var connection = _controlPlane.Services.GetRequiredService<Database>().Open();
        return connection.Query<string>("SELECT detail FROM audit_events WHERE action = 'token.refused' ORDER BY seq").AsList();
    }
}
