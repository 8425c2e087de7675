using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Argy.ControlPlane.Tests.Support;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Argy.ControlPlane.Tests.Quotas;

/// <summary>Deployment quotas on the real control plane: counted and enforced in the submission's write transaction.</summary>
public sealed class DeploymentQuotaTests : IAsyncLifetime
{
    private TestControlPlane _controlPlane = null!;

    public async Task InitializeAsync() => _controlPlane = await TestControlPlane.StartAsync();

    public async Task DisposeAsync() => await _controlPlane.DisposeAsync();

    [Fact]
    public async Task Fifty_concurrent_submissions_against_a_quota_of_ten_per_hour_accept_exactly_ten()
    {
        await SetTenantQuotaAsync(_controlPlane, perHour: 10, perDay: null);
        var admin = _controlPlane.Admin();

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => SubmitAsync(admin)));

        try
        {
            responses.Count(r => r.StatusCode == HttpStatusCode.Accepted).Should().Be(10);
            var refused = responses.Where(r => r.StatusCode != HttpStatusCode.Accepted).ToList();
            refused.Should().HaveCount(40).And.OnlyContain(r => r.StatusCode == HttpStatusCode.TooManyRequests);
            foreach (var response in refused)
            {
                var retryAfter = response.Headers.RetryAfter!.Delta!.Value;
                retryAfter.Should().BeGreaterThan(TimeSpan.Zero).And.BeLessThanOrEqualTo(TimeSpan.FromHours(1));
                response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
                var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
                ((int)problem["status"]!).Should().Be(429);
                ((string)problem["detail"]!).Should().Contain("deployments per hour for tenant default: 10");
            }

            StoredDeployments(_controlPlane).Should().Be(10);
            AuditRows.Of(_controlPlane, "deployment.submitted").Should().HaveCount(10);
            var denied = AuditRows.Of(_controlPlane, "quota.exceeded");
            denied.Should().HaveCount(40).And.OnlyContain(r => r.Outcome == "denied");
            var data = JsonNode.Parse(denied[0].Data!)!;
            ((string)data["quota"]!).Should().Be("deployments per hour for tenant default: 10");
            ((string)data["limit"]!).Should().Be("10");
            ((string)data["window"]!).Should().Be("1h");
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task Two_control_planes_sharing_one_database_share_one_quota()
    {
        await using var second = await TestControlPlane.StartAsync(sharingDatabaseWith: _controlPlane);
        await SetTenantQuotaAsync(second, perHour: 10, perDay: null);
        var first = _controlPlane.Admin();
        var other = second.Admin();

        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => SubmitAsync(i % 2 == 0 ? first : other)));

        responses.Count(r => r.StatusCode == HttpStatusCode.Accepted).Should().Be(10);
        responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests).Should().Be(30);
        StoredDeployments(_controlPlane).Should().Be(10);
    }

    [Fact]
    public async Task A_deployment_leaving_the_rolling_hour_admits_the_next_one_and_retry_after_says_when()
    {
        await SetTenantQuotaAsync(_controlPlane, perHour: 2, perDay: 3);
        var admin = _controlPlane.Admin();
        (await SubmitAsync(admin)).StatusCode.Should().Be(HttpStatusCode.Accepted);
        _controlPlane.Time.Advance(TimeSpan.FromMinutes(20));
        (await SubmitAsync(admin)).StatusCode.Should().Be(HttpStatusCode.Accepted);

        var full = await SubmitAsync(admin);
        full.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        full.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromMinutes(40), "the oldest counted deployment leaves the hour in 40 minutes");

        _controlPlane.Time.Advance(TimeSpan.FromMinutes(40) - TimeSpan.FromSeconds(1));
        (await SubmitAsync(admin)).StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        _controlPlane.Time.Advance(TimeSpan.FromSeconds(1));
        (await SubmitAsync(admin)).StatusCode.Should().Be(HttpStatusCode.Accepted);

        // Three in the rolling day now: the day quota refuses although the hour has room.
        _controlPlane.Time.Advance(TimeSpan.FromHours(2));
        var dayFull = await SubmitAsync(admin);
        dayFull.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        ((string)JsonNode.Parse(await dayFull.Content.ReadAsStringAsync())!["detail"]!).Should().Contain("deployments per day for tenant default: 3");
        dayFull.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromHours(24) - TimeSpan.FromHours(3));
    }

    [Fact]
    public async Task When_both_windows_are_full_the_refusal_names_the_one_that_frees_up_last()
    {
        await SetTenantQuotaAsync(_controlPlane, perHour: 1, perDay: 1);
        var admin = _controlPlane.Admin();
        (await SubmitAsync(admin)).StatusCode.Should().Be(HttpStatusCode.Accepted);

        var refused = await SubmitAsync(admin);

        refused.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        refused.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromDays(1), "retrying when the hour frees up would only meet the day quota");
        ((string)JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["detail"]!).Should().Contain("deployments per day for tenant default: 1");
    }

    [Fact]
    public async Task An_org_quota_limits_the_orgs_deployments_and_not_the_rest_of_the_tenant()
    {
        var admin = _controlPlane.Admin();
        var org = await TestControlPlane.Json(await admin.PostAsJsonAsync("/api/v1/orgs", new { name = "payments" }), 201);
        var orgId = (string)org["id"]!;
        await TestControlPlane.Json(await admin.PutAsJsonAsync($"/api/v1/quotas/deployments/orgs/{orgId}", new { deploymentsPerDay = 2 }), 200);
        var orgToken = _controlPlane.Services.GetRequiredService<ApiTokenStore>()
            .Create(TenantScope.Of(_controlPlane.TenantId), "payments ci", Roles.PlatformEngineer, null, new ApiTokenGrant(OrgId: orgId)).Token;
        var orgClient = _controlPlane.Http(orgToken);

        (await SubmitAsync(orgClient)).StatusCode.Should().Be(HttpStatusCode.Accepted);
        (await SubmitAsync(orgClient)).StatusCode.Should().Be(HttpStatusCode.Accepted);
        var refused = await SubmitAsync(orgClient);
        var sameProduct = await SubmitAsync(admin);
        var outside = await SubmitAsync(admin, "tools");

        refused.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        ((string)JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["detail"]!).Should().Contain("deployments per day for org payments: 2");
        sameProduct.StatusCode.Should().Be(HttpStatusCode.TooManyRequests, "the product was registered in the org, so its deployments count for the org");
        outside.StatusCode.Should().Be(HttpStatusCode.Accepted, "the tenant itself has no quota");
        var shown = await TestControlPlane.Json(await admin.GetAsync("/api/v1/quotas/deployments"), 200);
        ((int)shown["tenant"]!["usedLastDay"]!).Should().Be(3);
        var orgQuota = shown["orgs"]!.AsArray().Single()!;
        ((string)orgQuota["orgId"]!).Should().Be(orgId);
        ((int)orgQuota["deploymentsPerDay"]!).Should().Be(2);
        ((int)orgQuota["usedLastDay"]!).Should().Be(2);
        AuditRows.Of(_controlPlane, "quota.exceeded").Should().HaveCount(2).And.OnlyContain(r => r.ResourceId == "org:" + orgId);
    }

    [Fact]
    public async Task Quota_settings_are_validated_audited_and_admin_only()
    {
        var admin = _controlPlane.Admin();

        var negative = await admin.PutAsJsonAsync("/api/v1/quotas/deployments", new { deploymentsPerHour = -1 });
        var viewer = await _controlPlane.Http(_controlPlane.Token(Roles.Viewer)).PutAsJsonAsync("/api/v1/quotas/deployments", new { deploymentsPerHour = 5 });
        var unknownOrg = await admin.PutAsJsonAsync("/api/v1/quotas/deployments/orgs/org_nope", new { deploymentsPerHour = 5 });
        var set = await TestControlPlane.Json(await admin.PutAsJsonAsync("/api/v1/quotas/deployments", new { deploymentsPerHour = 5, deploymentsPerDay = 50 }), 200);

        negative.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        viewer.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        unknownOrg.StatusCode.Should().Be(HttpStatusCode.NotFound);
        ((int)set["deploymentsPerHour"]!).Should().Be(5);
        var shown = await TestControlPlane.Json(await admin.GetAsync("/api/v1/quotas/deployments"), 200);
        ((int)shown["tenant"]!["deploymentsPerDay"]!).Should().Be(50);
        AuditRows.Of(_controlPlane, "quota.updated").Should().ContainSingle().Which.Outcome.Should().Be("success");

        await TestControlPlane.Json(await admin.PutAsJsonAsync("/api/v1/quotas/deployments", new { }), 200);
        shown = await TestControlPlane.Json(await admin.GetAsync("/api/v1/quotas/deployments"), 200);
        shown["tenant"]!["deploymentsPerHour"].Should().BeNull("an empty quota means no limit");
    }

    private static async Task SetTenantQuotaAsync(TestControlPlane controlPlane, int? perHour, int? perDay) =>
        await TestControlPlane.Json(
            await controlPlane.Admin().PutAsJsonAsync("/api/v1/quotas/deployments", new { deploymentsPerHour = perHour, deploymentsPerDay = perDay }), 200);

    private static Task<HttpResponseMessage> SubmitAsync(HttpClient client, string product = "web") =>
        client.PostAsJsonAsync("/api/v1/deployments", new { product, script = "true" });

    private static int StoredDeployments(TestControlPlane controlPlane)
    {
        using var connection = controlPlane.Services.GetRequiredService<Database>().Open();
        return connection.ExecuteScalar<int>("SELECT COUNT(*) FROM deployments WHERE tenant_id = @tenant", new { tenant = controlPlane.TenantId });
    }
}
