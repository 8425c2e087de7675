using System.Diagnostics;
using System.Net.Http.Json;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Tests.Support;
using Argy.Protocol.V1;
using Grpc.Core;
using Xunit.Abstractions;

namespace Argy.ControlPlane.Tests.Agents;

public sealed class RevocationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Revoking_a_connected_agent_closes_its_stream_within_one_second_with_permission_denied()
    {
        await using var controlPlane = await TestControlPlane.StartAsync();
        var agent = await controlPlane.EnrollAgentAsync();
        var client = new GatewayClient(new AgentGateway.AgentGatewayClient(controlPlane.Channel()), agent, controlPlane.Time);
        await client.ConnectAsync();
        var admin = controlPlane.Admin();
        await admin.GetAsync("/api/v1/agents");

        var clock = Stopwatch.StartNew();
        var revoke = admin.PostAsync($"/api/v1/agents/{agent.AgentId}/revoke", null);
        var goodbye = await client.ReadAsync();
        var toGoodbye = clock.Elapsed;
        var end = await client.EndAsync();
        var toClosed = clock.Elapsed;
        await TestControlPlane.Json(await revoke, 200);

        output.WriteLine($"revocation: Goodbye after {toGoodbye.TotalMilliseconds:F1} ms, stream closed after {toClosed.TotalMilliseconds:F1} ms");
        goodbye.Goodbye.Reason.Should().Be(Goodbye.Types.Reason.Revoked);
        end.StatusCode.Should().Be(StatusCode.PermissionDenied);
        end.Status.Detail.Should().Contain("revoked");
        toClosed.Should().BeLessThan(TimeSpan.FromSeconds(1));
        (await AuditEvents.WaitForAsync(controlPlane, "agent.revoked")).Should().ContainSingle();
    }

    [Fact]
    public async Task A_revoked_api_token_is_refused_on_the_very_next_request()
    {
        await using var controlPlane = await TestControlPlane.StartAsync();
        var created = await TestControlPlane.Json(await controlPlane.Admin().PostAsJsonAsync("/api/v1/tokens", new { name = "ci", role = Roles.User }), 201);
        var ci = controlPlane.Http((string)created["token"]!);
        ((int)(await ci.GetAsync("/api/v1/agents")).StatusCode).Should().Be(200);

        await TestControlPlane.Json(await controlPlane.Admin().PostAsync($"/api/v1/tokens/{created["id"]}/revoke", null), 200);

        ((int)(await ci.GetAsync("/api/v1/agents")).StatusCode).Should().Be(401);
    }
}
