using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Argy.EndToEnd.Tests.Infrastructure;

namespace Argy.EndToEnd.Tests;

/// <summary>Bad input gets a clear problem-details answer and changes nothing.</summary>
public sealed class BadInputTests(ControlPlaneFixture fixture) : IClassFixture<ControlPlaneFixture>
{
    private ControlPlane ControlPlane => fixture.ControlPlane;

    public static TheoryData<string, string> MalformedDeployments => new()
    {
        { "malformed JSON", """{"product": "web", "script": """ },
        { "unknown field", """{"product": "web", "script": "true", "sudo": true}""" },
        { "wrong field type", """{"product": "web", "script": "true", "timeoutSeconds": "soon"}""" },
        { "tags not a list", """{"product": "web", "script": "true", "tags": "linux"}""" },
        { "neither command nor script", """{"product": "web"}""" },
        { "both command and script", """{"product": "web", "script": "true", "command": ["true"]}""" },
        { "invalid tag", """{"product": "web", "script": "true", "tags": ["has space"]}""" },
        { "reserved env name", """{"product": "web", "script": "true", "env": {"ARGY_RUN_ID": "x"}}""" },
        { "timeout out of range", """{"product": "web", "script": "true", "timeoutSeconds": 0}""" },
        { "empty body", "" },
    };

    [Theory]
    [MemberData(nameof(MalformedDeployments))]
    public async Task A_bad_deployment_request_gets_400_problem_details_and_writes_nothing(string why, string body)
    {
        using var api = ControlPlane.Api();
        var before = (await api.ListDeploymentsAsync()).Count;

        var response = await api.Http.PostAsync("/api/v1/deployments", new StringContent(body, Encoding.UTF8, "application/json"));

        var problem = await ApiClient.ExpectProblem(response, 400);
        ((string?)problem["detail"]).Should().NotBeNullOrWhiteSpace(because: why);
        (await api.ListDeploymentsAsync()).Should().HaveCount(before, because: $"a rejected request ({why}) must not create anything");
    }

    [Fact]
    public async Task Missing_invalid_and_revoked_tokens_get_401()
    {
        using var admin = ControlPlane.Api();
        var created = await ApiClient.ExpectJson(
            await admin.Http.PostAsJsonAsync("/api/v1/tokens", new { name = "ci", role = "PLATFORM_USER" }), 201);
        var ciToken = (string)created["token"]!;
        using var ci = new ApiClient(ControlPlane.Url, ciToken);
        var before = (await admin.ListDeploymentsAsync()).Count;
        var job = new { product = "web", script = "true", tags = new[] { "nowhere" } };

        using var anonymous = new ApiClient(ControlPlane.Url, null);
        await ApiClient.ExpectProblem(await anonymous.Http.PostAsJsonAsync("/api/v1/deployments", job), 401);
        using var forged = new ApiClient(ControlPlane.Url, ciToken[..^4] + "AAAA");
        await ApiClient.ExpectProblem(await forged.Http.PostAsJsonAsync("/api/v1/deployments", job), 401);
        using var garbage = new ApiClient(ControlPlane.Url, "not-a-token");
        await ApiClient.ExpectProblem(await garbage.Http.GetAsync("/api/v1/agents"), 401);

        await ApiClient.ExpectJson(await ci.Http.PostAsJsonAsync("/api/v1/deployments", job), 202);
        await ApiClient.ExpectJson(await admin.Http.PostAsync($"/api/v1/tokens/{created["id"]}/revoke", null), 200);
        var refused = await ApiClient.ExpectProblem(await ci.Http.PostAsJsonAsync("/api/v1/deployments", job), 401);

        ((string)refused["detail"]!).Should().Contain("revoked");
        (await admin.ListDeploymentsAsync()).Should().HaveCount(before + 1, "only the request made before revocation was accepted");
    }

    [Fact]
    public async Task A_role_without_the_permission_gets_403()
    {
        using var admin = ControlPlane.Api();
        var viewer = await ApiClient.ExpectJson(
            await admin.Http.PostAsJsonAsync("/api/v1/tokens", new { name = "dashboard", role = "VIEWER" }), 201);
        using var api = new ApiClient(ControlPlane.Url, (string)viewer["token"]!);

        await ApiClient.ExpectJson(await api.Http.GetAsync("/api/v1/agents"), 200);
        await ApiClient.ExpectProblem(await api.Http.PostAsJsonAsync("/api/v1/agents", new { name = "sneaky" }), 403);
        await ApiClient.ExpectProblem(await api.Http.PostAsJsonAsync("/api/v1/deployments", new { product = "web", script = "true" }), 403);
    }

    [Fact]
    public async Task Another_tenants_ids_get_404_and_a_mismatched_tenant_header_gets_403()
    {
        var other = await ControlPlane.CreateTenantAsync("other-" + Guid.NewGuid().ToString("N")[..6]);
        using var theirs = ControlPlane.Api(other);
        using var ours = ControlPlane.Api();
        var theirAgent = await theirs.CreateAgentAsync("their-agent", "prod");
        var theirRun = await theirs.SubmitAsync(new { product = "their-app", script = "true", tags = new[] { "prod" } });
        var agentId = (string)theirAgent["id"]!;
        var runId = (string)theirRun["runId"]!;

        await ApiClient.ExpectProblem(await ours.Http.GetAsync($"/api/v1/agents/{agentId}"), 404);
        await ApiClient.ExpectProblem(await ours.Http.PostAsync($"/api/v1/agents/{agentId}/revoke", null), 404);
        await ApiClient.ExpectProblem(await ours.Http.GetAsync($"/api/v1/deployments/{runId}"), 404);
        await ApiClient.ExpectProblem(await ours.Http.GetAsync($"/api/v1/deployments/{runId}/logs"), 404);
        await ApiClient.ExpectProblem(await ours.Http.PostAsync($"/api/v1/deployments/{runId}/cancel", null), 404);
        (await ours.ListDeploymentsAsync()).Should().NotContain(r => (string?)r["runId"] == runId);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/agents");
        request.Headers.Add("x-tenant-id", other.TenantId);
        await ApiClient.ExpectProblem(await ours.Http.SendAsync(request), 403);

        // Nothing of theirs changed.
        ((string)(await theirs.GetAgentAsync(agentId))["status"]!).Should().Be("Pending");
        ((string)(await theirs.GetRunAsync(runId))["status"]!).Should().Be("Queued");
    }

    [Fact]
    public async Task An_enrollment_token_works_once()
    {
        using var api = ControlPlane.Api();
        var created = await api.CreateAgentAsync("once-" + Guid.NewGuid().ToString("N")[..6], "x");
        var token = (string)created["enrollmentToken"]!;
        using var anonymous = new ApiClient(ControlPlane.Url, null);
        var enroll = new { token, hostname = "h", os = "linux", arch = "x64", version = "0.1.0" };

        var first = await ApiClient.ExpectJson(await anonymous.Http.PostAsJsonAsync("/api/v1/agents/enroll", enroll), 200);
        var second = await anonymous.Http.PostAsJsonAsync("/api/v1/agents/enroll", enroll);

        ((string)first["credential"]!).Should().StartWith("argy_agk_");
        await ApiClient.ExpectProblem(second, 401);
    }

    [Fact]
    public async Task Unknown_routes_and_wrong_media_types_are_problem_details_too()
    {
        using var api = ControlPlane.Api();
        await ApiClient.ExpectProblem(await api.Http.GetAsync("/api/v1/nothing-here"), 404);
        using var content = new StringContent("{}", Encoding.UTF8, "text/plain");
        var response = await api.Http.PostAsync("/api/v1/deployments", content);
        ((int)response.StatusCode).Should().Be(415);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }
}
