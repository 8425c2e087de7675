using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Tenancy;
using Argy.ControlPlane.Tests.Support;
using Argy.ControlPlane.Users;
using Argy.Protocol.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Argy.ControlPlane.Tests.Approvals;

/// <summary>Deployments of products that require approval, on the real control plane with a real gRPC agent stream.</summary>
public sealed class ApprovalTests : IAsyncLifetime
{
    private TestControlPlane _controlPlane = null!;
    private HttpClient _admin = null!;
    private HttpClient _approver = null!;
    private string _approverToken = "";

    public async Task InitializeAsync()
    {
        _controlPlane = await TestControlPlane.StartAsync();
        _admin = _controlPlane.Admin();
        _approverToken = _controlPlane.Token(Roles.Approver);
        _approver = _controlPlane.Http(_approverToken);
        var product = await TestControlPlane.Json(await _admin.PostAsJsonAsync("/api/v1/products", new { name = "web" }), 201);
        await TestControlPlane.Json(
            await _admin.PutAsJsonAsync($"/api/v1/products/{(string)product["id"]!}/approval", new { required = true, tags = new[] { "env:prod" } }), 200);
    }

    public async Task DisposeAsync() => await _controlPlane.DisposeAsync();

    [Fact]
    public async Task A_tagged_deployment_waits_for_approval_and_runs_on_an_agent_once_another_user_approves()
    {
        var agent = await _controlPlane.EnrollAgentAsync("prod-1", "env:prod");
        var client = new GatewayClient(new AgentGateway.AgentGatewayClient(_controlPlane.Channel()), agent, _controlPlane.Time);
        await client.ConnectAsync();

        var run = await SubmitAsync(_admin, "env:prod");
        var untagged = await SubmitAsync(_admin, "env:dev");

        ((string)run["status"]!).Should().Be("PendingApproval");
        ((string)run["approval"]!["state"]!).Should().Be("pending");
        ((string)untagged["status"]!).Should().NotBe("PendingApproval", "the product needs approval only for env:prod (and no agent has env:dev, so the agent stays free)");
        var runId = (string)run["runId"]!;
        var pending = await TestControlPlane.Json(await _approver.GetAsync("/api/v1/approvals"), 200);
        pending["items"]!.AsArray().Select(i => (string)i!["runId"]!).Should().Equal(runId);

        var approved = await TestControlPlane.Json(await _approver.PostAsJsonAsync($"/api/v1/deployments/{runId}/approve", new { comment = "go" }), 200);

        ((string)approved["approval"]!["state"]!).Should().Be("approved");
        ((string)approved["approval"]!["decidedBy"]!).Should().NotBeNullOrEmpty();
        ((string)approved["approval"]!["comment"]!).Should().Be("go");
        ControlMessage message;
        do
        {
            message = await client.ReadAsync(TimeSpan.FromSeconds(30));
        }
        while (message.PayloadCase != ControlMessage.PayloadOneofCase.AssignJob);

        message.AssignJob.RunId.Should().Be(runId, "the approved run is dispatched at once");
        var requested = AuditRows.Of(_controlPlane, "deployment.approval_requested").Should().ContainSingle().Subject;
        requested.ResourceId.Should().Be(runId);
        var data = JsonNode.Parse(requested.Data!)!;
        ((string)data["product"]!).Should().Be("web");
        ((string)data["tags"]!).Should().Be("env:prod");
        AuditRows.Of(_controlPlane, "deployment.approved").Should().ContainSingle().Which.Actor.Should().NotBe(requested.Actor);
        AuditRows.Of(_controlPlane, "deployment.submitted").Should().ContainSingle("only the untagged run was submitted straight to the queue");
    }

    [Fact]
    public async Task Nobody_approves_their_own_deployment_with_the_same_token_or_another_token_of_theirs()
    {
        var users = _controlPlane.Services.GetRequiredService<UserStore>();
        var tokens = _controlPlane.Services.GetRequiredService<ApiTokenStore>();
        var scope = TenantScope.Of(_controlPlane.TenantId);
        var ada = users.Create(scope, new NewUser("ada@example.test", "", null, null, Roles.Admin, UserStatus.Active, UserSource.Invitation))!;
        var first = _controlPlane.Http(tokens.Create(scope, "ada ci", Roles.Admin, null, new ApiTokenGrant(UserId: ada.Id)).Token);
        var second = _controlPlane.Http(tokens.Create(scope, "ada laptop", Roles.Admin, null, new ApiTokenGrant(UserId: ada.Id)).Token);
        var byAdmin = (string)(await SubmitAsync(_admin, "env:prod"))["runId"]!;
        var byAda = (string)(await SubmitAsync(first, "env:prod"))["runId"]!;

        var sameToken = await _admin.PostAsJsonAsync($"/api/v1/deployments/{byAdmin}/approve", new { comment = "self" });
        var sameUser = await second.PostAsJsonAsync($"/api/v1/deployments/{byAda}/approve", new { comment = "self" });
        var rejectOwn = await first.PostAsJsonAsync($"/api/v1/deployments/{byAda}/reject", new { comment = "self" });

        foreach (var response in new[] { sameToken, sameUser, rejectOwn })
        {
            response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
            (await response.Content.ReadAsStringAsync()).Should().Contain("another approver must decide");
        }

        ((string)(await TestControlPlane.Json(await _admin.GetAsync($"/api/v1/deployments/{byAda}"), 200))["status"]!).Should().Be("PendingApproval");
        AuditRows.Of(_controlPlane, "deployment.approved").Should().BeEmpty();
        await TestControlPlane.Json(await _admin.PostAsJsonAsync($"/api/v1/deployments/{byAda}/approve", new { comment = "ok" }), 200);
    }

    [Fact]
    public async Task A_rejection_ends_the_run_as_rejected_with_the_comment_and_cannot_be_reversed()
    {
        var runId = (string)(await SubmitAsync(_admin, "env:prod"))["runId"]!;

        var noComment = await _approver.PostAsJsonAsync($"/api/v1/deployments/{runId}/reject", new { });
        var rejected = await TestControlPlane.Json(
            await _approver.PostAsJsonAsync($"/api/v1/deployments/{runId}/reject", new { comment = "change freeze until Monday" }), 200);
        var approveAfter = await _admin.PostAsJsonAsync($"/api/v1/deployments/{runId}/approve", new { comment = "too late" });
        var logs = await _admin.GetAsync($"/api/v1/deployments/{runId}/logs?follow=true");

        noComment.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        ((string)rejected["status"]!).Should().Be("Rejected");
        ((string)rejected["message"]!).Should().Contain("change freeze until Monday");
        rejected["finishedAt"].Should().NotBeNull();
        ((string)rejected["approval"]!["state"]!).Should().Be("rejected");
        ((string)rejected["approval"]!["decidedBy"]!).Should().Be(IdOf(_approverToken));
        approveAfter.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await approveAfter.Content.ReadAsStringAsync()).Should().Contain("already rejected");
        logs.StatusCode.Should().Be(HttpStatusCode.OK, "following a rejected run's log ends at once");
        var audit = AuditRows.Of(_controlPlane, "deployment.rejected").Should().ContainSingle().Subject;
        ((string)JsonNode.Parse(audit.Data!)!["comment"]!).Should().Be("change freeze until Monday");
        var listed = await TestControlPlane.Json(await _admin.GetAsync("/api/v1/deployments?status=Rejected"), 200);
        listed["items"]!.AsArray().Should().ContainSingle();
    }

    [Fact]
    public async Task Two_approvers_racing_produce_one_decision_and_a_conflict()
    {
        var other = _controlPlane.Http(_controlPlane.Token(Roles.Approver));
        for (var i = 0; i < 5; i++)
        {
            var runId = (string)(await SubmitAsync(_admin, "env:prod"))["runId"]!;

            var answers = await Task.WhenAll(
                _approver.PostAsJsonAsync($"/api/v1/deployments/{runId}/approve", new { comment = "a" }),
                other.PostAsJsonAsync($"/api/v1/deployments/{runId}/reject", new { comment = "b" }));

            answers.Select(a => a.StatusCode).Should().BeEquivalentTo([HttpStatusCode.OK, HttpStatusCode.Conflict]);
        }

        (AuditRows.Of(_controlPlane, "deployment.approved").Count + AuditRows.Of(_controlPlane, "deployment.rejected").Count).Should().Be(5);
    }

    [Fact]
    public async Task A_run_waiting_for_approval_can_be_cancelled_and_only_approvers_decide()
    {
        var runId = (string)(await SubmitAsync(_admin, "env:prod"))["runId"]!;
        var user = _controlPlane.Http(_controlPlane.Token(Roles.User));
        var engineer = _controlPlane.Http(_controlPlane.Token(Roles.PlatformEngineer));

        var byUser = await user.PostAsJsonAsync($"/api/v1/deployments/{runId}/approve", new { comment = "x" });
        var byEngineer = await engineer.GetAsync("/api/v1/approvals");
        var cancelled = await TestControlPlane.Json(await _admin.PostAsync($"/api/v1/deployments/{runId}/cancel", null), 202);
        var approveCancelled = await _approver.PostAsJsonAsync($"/api/v1/deployments/{runId}/approve", new { comment = "x" });

        byUser.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        byEngineer.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        ((string)cancelled["status"]!).Should().Be("Cancelled");
        approveCancelled.StatusCode.Should().Be(HttpStatusCode.Conflict);
        // The run ended here, with the cancel request: one record, the end of the run, by the caller.
        AuditRows.Of(_controlPlane, "deployment.cancel_requested").Should().BeEmpty();
        AuditRows.Of(_controlPlane, "deployment.cancelled").Should().ContainSingle().Which.ResourceId.Should().Be(runId);
        (await TestControlPlane.Json(await _approver.GetAsync("/api/v1/approvals"), 200))["items"]!.AsArray().Should().BeEmpty();
    }

    private async Task<JsonObject> SubmitAsync(HttpClient client, params string[] tags) =>
        await TestControlPlane.Json(await client.PostAsJsonAsync("/api/v1/deployments", new { product = "web", script = "true", tags }), 202);

    private string IdOf(string token) =>
        _controlPlane.Services.GetRequiredService<ApiTokenStore>().Authenticate(token)!.Id;
}
