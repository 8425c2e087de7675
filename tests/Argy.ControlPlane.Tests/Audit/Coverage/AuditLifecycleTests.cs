using System.Net.Http.Json;
using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tests.Support;
using Argy.Protocol.V1;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Argy.ControlPlane.Tests.Audit.Coverage;

/// <summary>
/// What no API call records on its own: an agent's stream opening and closing, a run's lifecycle as its agent
/// reports it, refusals recorded in the background, and a change whose audit record cannot be written.
/// </summary>
public sealed class AuditLifecycleTests : IAsyncLifetime
{
    private TestControlPlane _controlPlane = null!;
    private AuditProbe _probe = null!;

    public async Task InitializeAsync()
    {
        _controlPlane = await TestControlPlane.StartAsync();
        _probe = new AuditProbe(_controlPlane);
    }

    public async Task DisposeAsync() => await _controlPlane.DisposeAsync();

    [Fact]
    public async Task An_agents_stream_and_its_runs_are_recorded_from_connect_through_each_ending_to_disconnect_and_heartbeats_are_not()
    {
        var tag = AuditProbe.Unique("pool");
        var agent = await _controlPlane.EnrollAgentAsync(AuditProbe.Unique("agent"), tag);
        await _probe.CreatedIdAsync("/api/v1/products", new { name = "web" });
        var start = _probe.LastSeq();

        var gateway = new GatewayClient(new AgentGateway.AgentGatewayClient(_controlPlane.Channel()), agent, _controlPlane.Time);
        await gateway.ConnectAsync();
        var connected = await _probe.WaitForAsync(start, r => r.Action == AuditActions.AgentConnected);
        connected.Should().ContainSingle();
        connected[0].Should().BeEquivalentTo(new { ActorType = AuditActorType.Agent, Actor = agent.AgentId, ResourceType = AuditResources.Agent, ResourceId = agent.AgentId, TenantId = agent.TenantId });
        connected[0].SourceIp.Should().NotBeNullOrEmpty();

        // Heartbeats are the hot path: they touch the agent's row but write no audit record.
        var beforeBeats = _probe.LastSeq();
        for (var i = 0; i < 5; i++)
        {
            await gateway.SendAsync(GatewayClient.Heartbeat());
        }

        await gateway.SendAcknowledgedAsync(1);
        _probe.RecordsAfter(beforeBeats).Should().BeEmpty("heartbeats change nothing worth auditing");

        var succeeded = await RunAsync(gateway, tag, JobOutcome.Succeeded, 0);
        var failed = await RunAsync(gateway, tag, JobOutcome.Failed, 2);
        var timedOut = await RunAsync(gateway, tag, JobOutcome.TimedOut, -1);
        var lost = await RunAsync(gateway, tag, null, 0);

        await gateway.Call!.RequestStream.CompleteAsync();
        await gateway.EndAsync();
        var disconnected = await _probe.WaitForAsync(start, r => r.Action == AuditActions.AgentDisconnected);
        disconnected.Should().ContainSingle().Which.Should().BeEquivalentTo(new { ActorType = AuditActorType.Agent, Actor = agent.AgentId, ResourceId = agent.AgentId });

        // Back without the run it held: the run is lost, as the control plane (not the agent) decides.
        var again = new GatewayClient(new AgentGateway.AgentGatewayClient(_controlPlane.Channel()), agent, _controlPlane.Time);
        await again.ConnectAsync();
        (await _probe.WaitForAsync(start, r => r.Action == AuditActions.DeploymentAgentLost)).Should().ContainSingle();
        (await _probe.WaitForAsync(start, r => r.Action == AuditActions.AgentConnected, count: 2)).Should().HaveCount(2);

        // Each submission is the caller's (the admin token's) record; the rest of each run's life is the agent's, or the system's.
        var lifecycle = _probe.RecordsAfter(start).Where(r => r.ResourceType == AuditResources.Deployment)
            .Select(r => (r.ResourceId, r.Action, r.ActorType, r.Actor, r.Outcome)).ToList();
        var admin = _probe.AdminTokenId;
        lifecycle.Should().Equal(
            (succeeded, AuditActions.DeploymentSubmitted, AuditActorType.Token, admin, AuditOutcome.Success),
            (succeeded, AuditActions.DeploymentStarted, AuditActorType.Agent, agent.AgentId, AuditOutcome.Success),
            (succeeded, AuditActions.DeploymentSucceeded, AuditActorType.Agent, agent.AgentId, AuditOutcome.Success),
            (failed, AuditActions.DeploymentSubmitted, AuditActorType.Token, admin, AuditOutcome.Success),
            (failed, AuditActions.DeploymentStarted, AuditActorType.Agent, agent.AgentId, AuditOutcome.Success),
            (failed, AuditActions.DeploymentFailed, AuditActorType.Agent, agent.AgentId, AuditOutcome.Failure),
            (timedOut, AuditActions.DeploymentSubmitted, AuditActorType.Token, admin, AuditOutcome.Success),
            (timedOut, AuditActions.DeploymentStarted, AuditActorType.Agent, agent.AgentId, AuditOutcome.Success),
            (timedOut, AuditActions.DeploymentTimedOut, AuditActorType.Agent, agent.AgentId, AuditOutcome.Failure),
            (lost, AuditActions.DeploymentSubmitted, AuditActorType.Token, admin, AuditOutcome.Success),
            (lost, AuditActions.DeploymentStarted, AuditActorType.Agent, agent.AgentId, AuditOutcome.Success),
            (lost, AuditActions.DeploymentAgentLost, AuditActorType.System, "system", AuditOutcome.Failure));
    }

    [Fact]
    public async Task Cancelling_a_run_writes_one_record_per_request_a_cancel_request_when_a_connected_agent_is_told_else_the_runs_end()
    {
        var tag = AuditProbe.Unique("pool");
        var agent = await _controlPlane.EnrollAgentAsync(AuditProbe.Unique("agent"), tag);
        await _probe.CreatedIdAsync("/api/v1/products", new { name = "web" });
        var gateway = new GatewayClient(new AgentGateway.AgentGatewayClient(_controlPlane.Channel()), agent, _controlPlane.Time);
        await gateway.ConnectAsync();
        var admin = _probe.AdminTokenId;

        // On a connected agent: the request is recorded, the agent is told, and the run ends when the agent says so.
        var running = await RunAsync(gateway, tag, null, 0);
        var before = _probe.LastSeq();
        await TestControlPlane.Json(await _controlPlane.Admin().PostAsync($"/api/v1/deployments/{running}/cancel", null), 202);
        _probe.RecordsAfter(before).Select(r => (r.Action, r.ActorType, r.Actor, r.ResourceId)).Should()
            .Equal((AuditActions.DeploymentCancelRequested, AuditActorType.Token, admin, running));
        ControlMessage message;
        do
        {
            message = await gateway.ReadAsync(TimeSpan.FromSeconds(20));
        }
        while (message.PayloadCase != ControlMessage.PayloadOneofCase.CancelJob);

        message.CancelJob.RunId.Should().Be(running);
        await gateway.SendAsync(new AgentMessage { JobFinished = new JobFinished { RunId = running, ExitCode = -1, Outcome = JobOutcome.Cancelled } });
        var ended = await _probe.WaitForAsync(before, r => r.Action == AuditActions.DeploymentCancelled);
        ended.Should().ContainSingle().Which.Should().BeEquivalentTo(new { ActorType = AuditActorType.Agent, Actor = agent.AgentId, ResourceId = running });

        // On an agent that is gone: the run ends at once, and that end, by the caller, is the request's one record.
        var orphaned = await RunAsync(gateway, tag, null, 0);
        await gateway.Call!.RequestStream.CompleteAsync();
        await gateway.EndAsync();
        (await _probe.WaitForAsync(before, r => r.Action == AuditActions.AgentDisconnected)).Should().ContainSingle();
        before = _probe.LastSeq();
        var cancelled = await TestControlPlane.Json(await _controlPlane.Admin().PostAsync($"/api/v1/deployments/{orphaned}/cancel", null), 202);
        ((string)cancelled["status"]!).Should().Be("Cancelled");
        _probe.RecordsAfter(before).Select(r => (r.Action, r.ActorType, r.Actor, r.ResourceId)).Should()
            .Equal((AuditActions.DeploymentCancelled, AuditActorType.Token, admin, orphaned));
    }

    [Fact]
    public async Task An_agent_that_falls_silent_is_disconnected_by_the_control_plane_and_recorded_as_the_systems_doing()
    {
        var agent = await _controlPlane.EnrollAgentAsync(AuditProbe.Unique("agent"));
        var start = _probe.LastSeq();
        var gateway = new GatewayClient(new AgentGateway.AgentGatewayClient(_controlPlane.Channel()), agent, _controlPlane.Time);
        await gateway.ConnectAsync();
        (await _probe.WaitForAsync(start, r => r.Action == AuditActions.AgentConnected)).Should().ContainSingle();

        // Three missed heartbeats (of ten minutes each, in tests) and the session is closed.
        _controlPlane.Time.Advance(TimeSpan.FromMinutes(31));
        var disconnected = await _probe.WaitForAsync(start, r => r.Action == AuditActions.AgentDisconnected);
        disconnected.Should().ContainSingle().Which.Should().BeEquivalentTo(new
        {
            ActorType = AuditActorType.System, ResourceId = agent.AgentId, Outcome = AuditOutcome.Success, TenantId = agent.TenantId,
        });
        disconnected[0].Detail.Should().Contain("missed heartbeats");
    }

    [Fact]
    public async Task A_refused_token_is_recorded_in_the_background_chained_to_the_records_before_it()
    {
        var start = _probe.LastSeq();
        var correlation = "refused-" + Guid.NewGuid().ToString("N");
        using var response = await _probe.SendAsync(_probe.Json("GET", "/api/v1/agents", bearer: "argy_pat_nosuchtoken_0123456789abcdef"), correlation);
        ((int)response.StatusCode).Should().Be(401);

        var refused = await _probe.WaitForAsync(start, r => r.Action == AuditActions.TokenRefused && r.CorrelationId == correlation);
        var record = refused.Should().ContainSingle().Subject;
        record.Outcome.Should().Be(AuditOutcome.Denied);
        record.UserAgent.Should().Be(AuditProbe.UserAgent);
        record.SourceIp.Should().BeOneOf("127.0.0.1", "::ffff:127.0.0.1");

        // Same chain as every record: the hash covers the record and its predecessor's hash (no tenant here).
        using var connection = _controlPlane.Services.GetRequiredService<Database>().Open();
        var previous = connection.QuerySingleOrDefault<byte[]?>(
            "SELECT hash FROM audit_events WHERE tenant_id IS NULL AND seq < @seq ORDER BY seq DESC LIMIT 1", new { seq = record.Seq });
        record.PrevHash.Should().Equal(previous ?? AuditChain.Genesis);
        record.Hash.Should().Equal(AuditChain.Compute(record, record.PrevHash));
    }

    [Fact]
    public async Task A_failed_sign_in_is_recorded_as_denied_with_its_origin()
    {
        var start = _probe.LastSeq();
        var correlation = "login-" + Guid.NewGuid().ToString("N");
        using var response = await _probe.SendAsync(
            _probe.Json("POST", "/api/v1/auth/magic-link/redeem", new { token = "argy_mlk_nosuchlink_0123456789abcdef" }, bearer: ""), correlation);
        ((int)response.StatusCode).Should().Be(401);

        var failed = await _probe.WaitForAsync(start, r => r.Action == AuditActions.LoginFailed && r.CorrelationId == correlation);
        failed.Should().ContainSingle().Which.Should().BeEquivalentTo(new
        {
            Outcome = AuditOutcome.Denied, ActorType = AuditActorType.Anonymous, UserAgent = AuditProbe.UserAgent,
        });
    }

    [Fact]
    public async Task When_the_audit_record_cannot_be_written_the_change_fails_with_503_and_is_not_made()
    {
        var agentId = await _probe.CreatedIdAsync("/api/v1/agents", new { name = AuditProbe.Unique("agent") });
        using (var connection = _controlPlane.Services.GetRequiredService<Database>().Open())
        {
            connection.Execute("CREATE TRIGGER audit_unavailable BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END;");
        }

        var admin = _controlPlane.Admin();
        var team = AuditProbe.Unique("team");
        var created = await admin.PostAsJsonAsync("/api/v1/teams", new { name = team });
        var problem = await TestControlPlane.Json(created, 503);
        created.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        ((string)problem["title"]!).Should().Be("Audit trail unavailable");

        var revoked = await admin.PostAsync($"/api/v1/agents/{agentId}/revoke", null);
        await TestControlPlane.Json(revoked, 503);
        revoked.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");

        // Nothing changed: reads write no audit record, so they still work.
        var teams = await TestControlPlane.Json(await admin.GetAsync("/api/v1/teams"), 200);
        teams["items"]!.AsArray().Select(t => (string)t!["name"]!).Should().NotContain(team);
        var agent = await TestControlPlane.Json(await admin.GetAsync($"/api/v1/agents/{agentId}"), 200);
        ((string)agent["status"]!).Should().NotBe("Revoked");

        using (var connection = _controlPlane.Services.GetRequiredService<Database>().Open())
        {
            connection.Execute("DROP TRIGGER audit_unavailable");
        }

        // With the audit trail back, the same change goes through, with its record.
        ((int)(await admin.PostAsJsonAsync("/api/v1/teams", new { name = team })).StatusCode).Should().Be(201);
    }

    /// <summary>Submits a run, accepts it on the agent and, unless <paramref name="outcome"/> is null, finishes it so.</summary>
    private async Task<string> RunAsync(GatewayClient gateway, string tag, JobOutcome? outcome, int exitCode)
    {
        var submitted = await TestControlPlane.Json(await _controlPlane.Admin().PostAsJsonAsync("/api/v1/deployments",
            new { product = "web", command = new[] { "true" }, tags = new[] { tag } }), 202);
        var runId = (string)submitted["runId"]!;
        ControlMessage message;
        do
        {
            message = await gateway.ReadAsync(TimeSpan.FromSeconds(20));
        }
        while (message.PayloadCase != ControlMessage.PayloadOneofCase.AssignJob);

        message.AssignJob.RunId.Should().Be(runId);
        await gateway.SendAsync(new AgentMessage { JobAccepted = new JobAccepted { RunId = runId } });
        do
        {
            message = await gateway.ReadAsync(TimeSpan.FromSeconds(20));
        }
        while (message.PayloadCase != ControlMessage.PayloadOneofCase.StartJob);

        if (outcome is null)
        {
            return runId;
        }

        await gateway.SendAsync(new AgentMessage { JobFinished = new JobFinished { RunId = runId, ExitCode = exitCode, Outcome = outcome.Value } });
        do
        {
            message = await gateway.ReadAsync(TimeSpan.FromSeconds(20));
        }
        while (message.PayloadCase != ControlMessage.PayloadOneofCase.Ack || !message.Ack.Finished);

        return runId;
    }
}
