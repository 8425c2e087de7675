using System.Net.Http.Json;
using Argy.EndToEnd.Tests.Infrastructure;

namespace Argy.EndToEnd.Tests.Iam;

/// <summary>The real `argy deploy` against the real control plane: waiting through approval, and a deployment quota.</summary>
[Collection(IamCollection.Name)]
public sealed class ApprovalCliTests(IamFixture fixture)
{
    private ControlPlane ControlPlane => fixture.ControlPlane;

    [Fact]
    public async Task Argy_deploy_waits_for_approval_and_exits_79_when_an_approver_rejects_the_run()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var tenant = await ControlPlane.CreateTenantAsync("approval-" + tag);
        using var admin = ControlPlane.Api(tenant);
        var product = (string)(await ApiClient.ExpectJson(await admin.Http.PostAsJsonAsync("/api/v1/products", new { name = "gate" }), 201))["id"]!;
        await ApiClient.ExpectJson(await admin.Http.PutAsJsonAsync($"/api/v1/products/{product}/approval", new { required = true, tags = new[] { "env:prod" } }), 200);
        var ci = new TenantCredentials(tenant.TenantId, await IamApi.CreateTokenAsync(admin, new { name = "ci", role = "PLATFORM_ENGINEER" }));
        using var approver = new ApiClient(ControlPlane.Url, await IamApi.CreateTokenAsync(admin, new { name = "cab", role = "COMPLIANCE_APPROVER" }));

        var deploy = ArgyCli.RunAsync(ControlPlane, ci, "deploy", "--product", "gate", "--tags", "env:prod", "--", "true");
        var runId = await Eventually.Until(
            async () =>
            {
                var pending = await ApiClient.ExpectJson(await approver.Http.GetAsync("/api/v1/approvals"), 200);
                return pending["items"]!.AsArray().Select(i => (string?)i!["runId"]).FirstOrDefault();
            },
            id => id is not null, TimeSpan.FromMinutes(1), "the CLI's run waiting for approval");
        await ApiClient.ExpectJson(await approver.Http.PostAsJsonAsync($"/api/v1/deployments/{runId}/reject", new { comment = "change freeze" }), 200);
        var result = await deploy;

        result.ExitCode.Should().Be(79, result.StandardError);
        result.StandardError.Should().Contain($"waiting for approval (run {runId})...").And.Contain("rejected by").And.Contain("change freeze");
    }

    [Fact]
    public async Task Argy_deploy_over_a_deployment_quota_exits_75_in_one_line_naming_the_quota()
    {
        var tenant = await ControlPlane.CreateTenantAsync("quota-" + Guid.NewGuid().ToString("N")[..8]);
        using var admin = ControlPlane.Api(tenant);
        await ApiClient.ExpectJson(await admin.Http.PutAsJsonAsync("/api/v1/quotas/deployments", new { deploymentsPerHour = 1 }), 200);
        await ApiClient.ExpectJson(await admin.Http.PostAsJsonAsync("/api/v1/deployments", new { product = "web", script = "true", tags = new[] { "nowhere" } }), 202);

        var result = await ArgyCli.RunAsync(ControlPlane, tenant, "deploy", "--product", "web", "--", "true");

        result.ExitCode.Should().Be(75, result.StandardError);
        var line = result.StandardError.Trim();
        line.Should().NotContain("\n");
        line.Should().StartWith("error: Deployment quota exceeded: deployments per hour for tenant quota-").And.MatchRegex(@"\(retry after (59m|1h)");
    }
}
