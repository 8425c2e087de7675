using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Argy.ControlPlane.Deployments;
using Argy.ControlPlane.Tenancy;
using Argy.ControlPlane.Tests.Support;
using Argy.Protocol.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Argy.ControlPlane.Tests.Dispatch;

/// <summary>
/// A submission that an idle connected agent can take is stored already assigned and sent in the same request,
/// unless an older queued run could run there: submission order still holds.
/// </summary>
public sealed class SubmissionPlacementTests : IAsyncLifetime
{
    private TestControlPlane _controlPlane = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _controlPlane = await TestControlPlane.StartAsync();
        _admin = _controlPlane.Admin();
        await TestControlPlane.Json(await _admin.PostAsJsonAsync("/api/v1/products", new { name = "web" }), 201);
    }

    public async Task DisposeAsync() => await _controlPlane.DisposeAsync();

    [Fact]
    public async Task A_submission_for_an_idle_agent_is_answered_assigned_and_the_agent_has_it()
    {
        var client = await ConnectAsync("linux", capacity: 1);

        var run = await SubmitAsync("linux");

        ((string)run["status"]!).Should().Be("Assigned");
        ((string)run["agentId"]!).Should().Be(client.AgentId);
        (await NextAssignmentAsync(client.Gateway)).RunId.Should().Be((string)run["runId"]!);
        AuditRows.Of(_controlPlane, "deployment.submitted").Should().ContainSingle().Which.ResourceId.Should().Be((string)run["runId"]!);
    }

    [Fact]
    public async Task An_older_queued_run_the_agent_can_take_goes_first()
    {
        var client = await ConnectAsync("linux", capacity: 1);
        // Queued without a dispatch round, as a submission through another control plane sharing the database is.
        var older = QueueDirectly("linux");

        var run = await SubmitAsync("linux");

        ((string)run["status"]!).Should().Be("Queued", "the older run is owed the agent's only slot");
        (await NextAssignmentAsync(client.Gateway)).RunId.Should().Be(older);
    }

    [Fact]
    public async Task A_queued_run_no_connected_agent_can_take_does_not_hold_up_new_submissions()
    {
        var client = await ConnectAsync("linux", capacity: 1);
        QueueDirectly("linux", "gpu");

        var run = await SubmitAsync("linux");

        ((string)run["status"]!).Should().Be("Assigned");
        (await NextAssignmentAsync(client.Gateway)).RunId.Should().Be((string)run["runId"]!);
    }

    [Fact]
    public async Task Concurrent_submissions_never_give_an_agent_more_runs_than_its_slots()
    {
        var client = await ConnectAsync("linux", capacity: 3);

        var runs = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => SubmitAsync("linux")));

        var assigned = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            assigned.Add((await NextAssignmentAsync(client.Gateway)).RunId);
        }

        assigned.Should().OnlyHaveUniqueItems();
        var statuses = runs.Select(r => (string)r["runId"]!)
            .Select(id => _controlPlane.Services.GetRequiredService<DeploymentStore>().Get(TenantScope.Of(_controlPlane.TenantId), id)!.Status)
            .ToList();
        statuses.Count(s => s == "Assigned").Should().Be(3, string.Join(",", statuses));
        statuses.Count(s => s == "Queued").Should().Be(27);
        // Last: giving up a read on a gRPC stream ends the call (and the agent's session with it).
        var extra = () => NextAssignmentAsync(client.Gateway, TimeSpan.FromMilliseconds(500));
        (await extra.Should().ThrowAsync<Grpc.Core.RpcException>("the agent's three slots are taken"))
            .Which.StatusCode.Should().Be(Grpc.Core.StatusCode.Cancelled, "nothing more arrived before the wait ended");
    }

    private string QueueDirectly(params string[] tags) =>
        _controlPlane.Services.GetRequiredService<DeploymentStore>().Create(TenantScope.Of(_controlPlane.TenantId), new NewDeployment(
            "web", null, "true", tags, new Dictionary<string, string>(), null, 60, "test")).Id;

    private async Task<JsonObject> SubmitAsync(params string[] tags) =>
        await TestControlPlane.Json(await _admin.PostAsJsonAsync("/api/v1/deployments", new { product = "web", script = "true", tags }), 202);

    private async Task<(GatewayClient Gateway, string AgentId)> ConnectAsync(string tag, int capacity)
    {
        var agent = await _controlPlane.EnrollAgentAsync(null, tag);
        var client = new GatewayClient(new AgentGateway.AgentGatewayClient(_controlPlane.Channel()), agent, _controlPlane.Time);
        client.Open(agent.AuthMode == "hmac" ? client.SignedHeaders() : GatewayClient.ApiKeyHeaders(agent));
        var hello = client.Hello();
        hello.Hello.Capacity = capacity;
        await client.SendAsync(hello);
        (await client.ReadAsync()).PayloadCase.Should().Be(ControlMessage.PayloadOneofCase.Welcome);
        return (client, agent.AgentId);
    }

    private static async Task<AssignJob> NextAssignmentAsync(GatewayClient client, TimeSpan? timeout = null)
    {
        while (true)
        {
            var message = await client.ReadAsync(timeout ?? TimeSpan.FromSeconds(10));
            if (message.PayloadCase == ControlMessage.PayloadOneofCase.AssignJob)
            {
                return message.AssignJob;
            }
        }
    }
}
