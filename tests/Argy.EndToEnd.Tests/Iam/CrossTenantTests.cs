using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Argy.EndToEnd.Tests.Infrastructure;

namespace Argy.EndToEnd.Tests.Iam;

/// <summary>
/// Two tenants: every list, get, update and delete endpoint tried with the other tenant's ids answers 404 (and
/// lists leave its rows out), the other tenant's id in x-tenant-id (or its org in x-org-id) answers 403, and
/// nothing of the other tenant changed.
/// </summary>
[Collection(IamCollection.Name)]
public sealed class CrossTenantTests(IamFixture fixture)
{
    private ControlPlane ControlPlane => fixture.ControlPlane;

    [Fact]
    public async Task Another_tenants_ids_answer_404_its_headers_403_and_nothing_of_it_changes()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var ours = await ControlPlane.CreateTenantAsync("ours-" + tag);
        var theirs = await ControlPlane.CreateTenantAsync("theirs-" + tag);
        using var us = ControlPlane.Api(ours);
        using var them = ControlPlane.Api(theirs);

        // Their things.
        var (userId, theirUser) = await IamApi.SignedInUserAsync(fixture, them, "PLATFORM_ADMIN");
        using var _ = theirUser;
        var sessionId = (string)(await ApiClient.ExpectJson(await theirUser.Http.GetAsync("/api/v1/me"), 200))["session"]!["id"]!;
        var product = await Created(them, "/api/v1/products", new { name = "their-product", description = "theirs" });
        var team = await Created(them, "/api/v1/teams", new { name = "their team", description = "theirs", members = new[] { userId } });
        await ApiClient.ExpectJson(await them.Http.PutAsJsonAsync($"/api/v1/teams/{team}/products/{product}", new { permission = "write" }), 200);
        var org = await Created(them, "/api/v1/orgs", new { name = "their-org" });
        var token = (string)(await ApiClient.ExpectJson(await them.Http.PostAsJsonAsync("/api/v1/tokens", new { name = "their-ci", role = "VIEWER" }), 201))["id"]!;
        var sso = await Created(them, "/api/v1/settings/sso/oidc", new { name = "their-okta", provider = "okta", clientId = "abc", clientSecret = "s", domain = "theirs.okta.com" });
        var agent = (string)(await them.CreateAgentAsync("their-agent-" + tag, "x"))["id"]!;
        var run = (string)(await them.SubmitAsync(new { product = "their-product", script = "true", tags = new[] { "nowhere-" + tag } }))["runId"]!;
        var before = await Snapshot(them, userId, team, product, org, sso);

        // Gets, updates, deletes and actions on their ids: 404 each.
        var attempts = new (string Method, string Path, object? Body)[]
        {
            ("GET", $"/api/v1/users/{userId}", null),
            ("PATCH", $"/api/v1/users/{userId}", new { role = "VIEWER" }),
            ("POST", $"/api/v1/users/{userId}/disable", null),
            ("POST", $"/api/v1/users/{userId}/enable", null),
            ("POST", $"/api/v1/users/{userId}/resend-invitation", null),
            ("GET", $"/api/v1/users/{userId}/sessions", null),
            ("POST", $"/api/v1/users/{userId}/sessions/revoke", null),
            ("DELETE", $"/api/v1/users/{userId}", null),
            ("DELETE", $"/api/v1/me/sessions/{sessionId}", null),
            ("GET", $"/api/v1/teams/{team}", null),
            ("PATCH", $"/api/v1/teams/{team}", new { name = "hijacked" }),
            ("PUT", $"/api/v1/teams/{team}/members/{userId}", null),
            ("DELETE", $"/api/v1/teams/{team}/members/{userId}", null),
            ("PUT", $"/api/v1/teams/{team}/products/{product}", new { permission = "admin" }),
            ("DELETE", $"/api/v1/teams/{team}/products/{product}", null),
            ("DELETE", $"/api/v1/teams/{team}", null),
            ("GET", $"/api/v1/products/{product}", null),
            ("PATCH", $"/api/v1/products/{product}", new { description = "hijacked" }),
            ("DELETE", $"/api/v1/products/{product}", null),
            ("GET", $"/api/v1/orgs/{org}", null),
            ("PATCH", $"/api/v1/orgs/{org}", new { name = "hijacked" }),
            ("DELETE", $"/api/v1/orgs/{org}", null),
            ("POST", $"/api/v1/tokens/{token}/revoke", null),
            ("GET", $"/api/v1/settings/sso/providers/{sso}", null),
            ("PUT", $"/api/v1/settings/sso/oidc/{sso}", new { name = "hijacked", provider = "okta", clientId = "x", domain = "evil.okta.com" }),
            ("DELETE", $"/api/v1/settings/sso/providers/{sso}", null),
            ("GET", $"/api/v1/agents/{agent}", null),
            ("POST", $"/api/v1/agents/{agent}/revoke", null),
            ("GET", $"/api/v1/deployments/{run}", null),
            ("POST", $"/api/v1/deployments/{run}/cancel", null),
        };
        foreach (var (method, path, body) in attempts)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = body is null ? null : JsonContent.Create(body) };
            var problem = await ApiClient.ExpectProblem(await us.Http.SendAsync(request), 404);
            ((string)problem["detail"]!).Should().NotContain("their", "{0} {1} must not reveal their data", method, path);
        }

        // Lists leave their rows out.
        (await Items(us, "/api/v1/users")).Should().NotContain(i => (string?)i["id"] == userId);
        (await Items(us, "/api/v1/teams")).Should().NotContain(i => (string?)i["id"] == team);
        (await Items(us, "/api/v1/products")).Should().NotContain(i => (string?)i["id"] == product);
        (await Items(us, "/api/v1/orgs")).Should().NotContain(i => (string?)i["id"] == org);
        (await Items(us, "/api/v1/tokens")).Should().NotContain(i => (string?)i["id"] == token);
        (await Items(us, "/api/v1/agents")).Should().NotContain(i => (string?)i["id"] == agent);
        (await Items(us, "/api/v1/deployments")).Should().NotContain(i => (string?)i["runId"] == run);
        var ourSso = await ApiClient.ExpectJson(await us.Http.GetAsync("/api/v1/settings/sso"), 200);
        ourSso["providers"]!.AsArray().Should().BeEmpty();
        var export = await ApiClient.ExpectJson(await us.Http.GetAsync("/api/v1/config/export"), 200);
        export.ToJsonString().Should().NotContain("their");

        // Their tenant id or org id in the headers: 403, for reads and writes alike.
        foreach (var (header, value) in new[] { ("x-tenant-id", theirs.TenantId), ("x-org-id", org) })
        {
            foreach (var (method, path) in new[] { ("GET", "/api/v1/users"), ("GET", "/api/v1/teams"), ("POST", "/api/v1/products"), ("GET", "/api/v1/settings/security") })
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path)
                {
                    Content = method == "POST" ? new StringContent("""{"name":"sneaky"}""", Encoding.UTF8, "application/json") : null,
                };
                request.Headers.Add(header, value);
                await ApiClient.ExpectProblem(await us.Http.SendAsync(request), 403);
            }
        }

        // Their session and tokens do not work with our tenant named either.
        using var mismatched = new HttpRequestMessage(HttpMethod.Get, "/api/v1/me");
        mismatched.Headers.Add("x-tenant-id", ours.TenantId);
        await ApiClient.ExpectProblem(await theirUser.Http.SendAsync(mismatched), 403);

        // Nothing of theirs changed.
        (await Snapshot(them, userId, team, product, org, sso)).Should().Be(before);
        await ApiClient.ExpectJson(await theirUser.Http.GetAsync("/api/v1/me"), 200);
        ((string?)(await Items(them, "/api/v1/tokens")).Single(t => (string?)t["id"] == token)["revokedAt"]).Should().BeNull();
        ((string)(await them.GetAgentAsync(agent))["status"]!).Should().Be("Pending");
        ((string)(await them.GetRunAsync(run))["status"]!).Should().Be("Queued");
        (await Items(us, "/api/v1/products")).Should().NotContain(i => (string?)i["name"] == "sneaky");
    }

    private static async Task<string> Created(ApiClient client, string path, object body) =>
        (string)(await ApiClient.ExpectJson(await client.Http.PostAsJsonAsync(path, body), 201))["id"]!;

    private static async Task<List<JsonObject>> Items(ApiClient client, string path) =>
        (await ApiClient.ExpectJson(await client.Http.GetAsync(path), 200))["items"]!.AsArray().Select(n => n!.AsObject()).ToList();

    private static async Task<string> Snapshot(ApiClient client, string user, string team, string product, string org, string sso)
    {
        var parts = new List<string>();
        foreach (var path in new[] { $"/api/v1/users/{user}", $"/api/v1/teams/{team}", $"/api/v1/products/{product}", $"/api/v1/orgs/{org}", $"/api/v1/settings/sso/providers/{sso}" })
        {
            var body = await ApiClient.ExpectJson(await client.Http.GetAsync(path), 200);
            body.Remove("lastSignInAt");
            parts.Add(body.ToJsonString());
        }

        return string.Join("\n", parts);
    }
}
