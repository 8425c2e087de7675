using System.Net.Http.Json;
using System.Text;
using Argy.EndToEnd.Tests.Infrastructure;

namespace Argy.EndToEnd.Tests.Iam;

/// <summary>
/// Every role against every endpoint, from one table: the documented permission matrix (ADMIN.md) says which
/// roles hold each permission, and each endpoint names the permission it needs. A role without it gets 403;
/// a role with it gets anything but 401/403 (ids in the table do not exist, so 404 and 400 are expected).
/// </summary>
[Collection(IamCollection.Name)]
public sealed class PermissionMatrixTests(IamFixture fixture)
{
    private const string Admin = "PLATFORM_ADMIN", Engineer = "PLATFORM_ENGINEER", Pm = "PLATFORM_PM", User = "PLATFORM_USER", Approver = "COMPLIANCE_APPROVER", Viewer = "VIEWER";

    private static readonly string[] AllRoles = [Admin, Engineer, Pm, User, Approver, Viewer];

    /// <summary>The permission matrix as documented.</summary>
    private static readonly Dictionary<string, string[]> Matrix = new()
    {
        ["agents:read"] = AllRoles,
        ["agents:manage"] = [Admin, Engineer],
        ["agents:approve"] = [Admin, Engineer],
        ["deployments:read"] = AllRoles,
        ["deployments:create"] = [Admin, Engineer, User],
        ["deployments:cancel"] = [Admin, Engineer, User],
        ["deployments:approve"] = [Admin, Approver],
        ["tokens:manage"] = [Admin],
        ["audit:read"] = [Admin, Approver],
        ["users:read"] = [Admin, Engineer, Pm],
        ["users:manage"] = [Admin],
        ["teams:read"] = AllRoles,
        ["teams:manage"] = [Admin],
        ["products:read"] = AllRoles,
        ["products:manage"] = [Admin, Pm],
        ["orgs:read"] = AllRoles,
        ["orgs:manage"] = [Admin],
        ["settings:read"] = [Admin],
        ["settings:manage"] = [Admin],
        ["llm:gateway"] = [Admin, Engineer],
        ["usage:read"] = [Admin, Engineer, Pm],
        ["delivery:manage"] = [Admin],
        ["authenticated"] = AllRoles,
    };

    /// <summary>Every endpoint of /api/v1 that needs a credential, with the permission it needs and a request body.</summary>
    public static TheoryData<string, string, string, string?> Endpoints => new()
    {
        { "agents:manage", "POST", "/api/v1/agents", "{}" },
        { "agents:read", "GET", "/api/v1/agents", null },
        { "agents:read", "GET", "/api/v1/agents/agt_nope", null },
        { "agents:manage", "POST", "/api/v1/agents/agt_nope/revoke", null },
        { "agents:approve", "GET", "/api/v1/device/requests", null },
        { "deployments:create", "POST", "/api/v1/deployments", "{}" },
        { "deployments:read", "GET", "/api/v1/deployments", null },
        { "deployments:read", "GET", "/api/v1/deployments/run_nope", null },
        { "deployments:read", "GET", "/api/v1/deployments/run_nope/logs", null },
        { "deployments:cancel", "POST", "/api/v1/deployments/run_nope/cancel", null },
        { "deployments:approve", "GET", "/api/v1/approvals", null },
        { "deployments:approve", "POST", "/api/v1/deployments/run_nope/approve", "{}" },
        { "deployments:approve", "POST", "/api/v1/deployments/run_nope/reject", "{\"comment\": \"no\"}" },
        { "products:read", "GET", "/api/v1/products/prd_nope/approval", null },
        { "products:manage", "PUT", "/api/v1/products/prd_nope/approval", "{}" },
        { "settings:read", "GET", "/api/v1/quotas/deployments", null },
        { "settings:manage", "PUT", "/api/v1/quotas/deployments/orgs/org_nope", "{}" },
        { "tokens:manage", "POST", "/api/v1/tokens", "{}" },
        { "tokens:manage", "GET", "/api/v1/tokens", null },
        { "tokens:manage", "POST", "/api/v1/tokens/tok_nope/revoke", null },
        { "audit:read", "GET", "/api/v1/audit-events", null },
        { "users:manage", "POST", "/api/v1/users", "{}" },
        { "users:read", "GET", "/api/v1/users", null },
        { "users:read", "GET", "/api/v1/users/usr_nope", null },
        { "users:manage", "PATCH", "/api/v1/users/usr_nope", "{}" },
        { "users:manage", "POST", "/api/v1/users/usr_nope/disable", null },
        { "users:manage", "POST", "/api/v1/users/usr_nope/enable", null },
        { "users:manage", "POST", "/api/v1/users/usr_nope/resend-invitation", null },
        { "users:manage", "DELETE", "/api/v1/users/usr_nope", null },
        { "users:read", "GET", "/api/v1/users/usr_nope/sessions", null },
        { "users:manage", "POST", "/api/v1/users/usr_nope/sessions/revoke", null },
        { "teams:manage", "POST", "/api/v1/teams", "{}" },
        { "teams:read", "GET", "/api/v1/teams", null },
        { "teams:read", "GET", "/api/v1/teams/team_nope", null },
        { "teams:manage", "PATCH", "/api/v1/teams/team_nope", "{}" },
        { "teams:manage", "DELETE", "/api/v1/teams/team_nope", null },
        { "teams:manage", "PUT", "/api/v1/teams/team_nope/members/usr_nope", null },
        { "teams:manage", "DELETE", "/api/v1/teams/team_nope/members/usr_nope", null },
        { "products:manage", "PUT", "/api/v1/teams/team_nope/products/prd_nope", "{}" },
        { "products:manage", "DELETE", "/api/v1/teams/team_nope/products/prd_nope", null },
        { "products:manage", "POST", "/api/v1/products", "{}" },
        { "products:read", "GET", "/api/v1/products", null },
        { "products:read", "GET", "/api/v1/products/prd_nope", null },
        { "products:read", "PATCH", "/api/v1/products/prd_nope", "{}" },
        { "products:manage", "DELETE", "/api/v1/products/prd_nope", null },
        { "orgs:manage", "POST", "/api/v1/orgs", "{}" },
        { "orgs:read", "GET", "/api/v1/orgs", null },
        { "orgs:read", "GET", "/api/v1/orgs/org_nope", null },
        { "orgs:manage", "PATCH", "/api/v1/orgs/org_nope", "{}" },
        { "orgs:manage", "DELETE", "/api/v1/orgs/org_nope", null },
        { "settings:read", "GET", "/api/v1/settings/security", null },
        { "settings:manage", "PUT", "/api/v1/settings/security", "{}" },
        { "settings:read", "GET", "/api/v1/settings/ip-allowlist", null },
        { "settings:manage", "PUT", "/api/v1/settings/ip-allowlist", "{}" },
        { "settings:read", "GET", "/api/v1/settings/branding", null },
        { "settings:manage", "PUT", "/api/v1/settings/branding", "{\"logoUrl\": \"http://not-https\"}" },
        { "settings:read", "GET", "/api/v1/settings/llm-filter", null },
        { "settings:manage", "PUT", "/api/v1/settings/llm-filter", "{}" },
        { "settings:read", "GET", "/api/v1/settings/quotas", null },
        { "settings:manage", "PUT", "/api/v1/settings/quotas", "{\"maxUsers\": 0}" },
        { "settings:read", "GET", "/api/v1/settings/sso", null },
        { "settings:manage", "POST", "/api/v1/settings/sso/oidc", "{}" },
        { "settings:manage", "PUT", "/api/v1/settings/sso/oidc/sso_nope", "{}" },
        { "settings:manage", "POST", "/api/v1/settings/sso/saml", "{}" },
        { "settings:manage", "PUT", "/api/v1/settings/sso/saml/sso_nope", "{}" },
        { "settings:read", "GET", "/api/v1/settings/sso/saml/sso_nope/sp-metadata", null },
        { "settings:read", "GET", "/api/v1/settings/sso/providers/sso_nope", null },
        { "settings:manage", "DELETE", "/api/v1/settings/sso/providers/sso_nope", null },
        { "settings:manage", "PUT", "/api/v1/settings/sso/enforcement", "{}" },
        { "settings:read", "GET", "/api/v1/settings/scim", null },
        { "settings:manage", "PUT", "/api/v1/settings/scim", "{}" },
        { "settings:read", "GET", "/api/v1/config/export?sections=nope", null },
        { "settings:manage", "POST", "/api/v1/config/import/preview", "{}" },
        { "settings:manage", "POST", "/api/v1/config/import", "{}" },
        { "settings:read", "GET", "/api/v1/llm/quotas", null },
        { "settings:manage", "PUT", "/api/v1/llm/quotas", "{\"warningPercent\": 0}" },
        { "settings:manage", "PUT", "/api/v1/llm/quotas/users/usr_nope", "{}" },
        { "settings:manage", "DELETE", "/api/v1/llm/quotas/users/usr_nope", null },
        { "llm:gateway", "POST", "/api/v1/llm/authorize", "{}" },
        { "llm:gateway", "POST", "/api/v1/llm/reservations/rsv_nope/settle", "{}" },
        { "llm:gateway", "POST", "/api/v1/llm/reservations/rsv_nope/release", null },
        { "llm:gateway", "POST", "/api/v1/llm/usage", "{}" },
        { "llm:gateway", "GET", "/api/v1/llm/users/usr_nope/credits", null },
        { "usage:read", "GET", "/api/v1/usage/llm", null },
        { "usage:read", "GET", "/api/v1/usage/deployments", null },
        { "usage:read", "GET", "/api/v1/usage/trend", null },
        { "delivery:manage", "POST", "/api/v1/delivery/sinks", "{}" },
        { "delivery:manage", "GET", "/api/v1/delivery/sinks", null },
        { "delivery:manage", "GET", "/api/v1/delivery/sinks/snk_nope", null },
        { "delivery:manage", "PATCH", "/api/v1/delivery/sinks/snk_nope", "{}" },
        { "delivery:manage", "DELETE", "/api/v1/delivery/sinks/snk_nope", null },
        { "delivery:manage", "POST", "/api/v1/delivery/sinks/snk_nope/test", null },
        { "authenticated", "GET", "/api/v1/me", null },
        { "authenticated", "GET", "/api/v1/tenant", null },
        { "authenticated", "POST", "/api/v1/auth/refresh", null },
        { "authenticated", "GET", "/api/v1/me/sessions", null },
    };

    private readonly Dictionary<string, string> _tokens = [];

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Each_role_gets_403_exactly_when_the_matrix_denies_it(string permission, string method, string path, string? body)
    {
        foreach (var role in AllRoles)
        {
            using var client = new ApiClient(fixture.ControlPlane.Url, await TokenFor(role));
            using var request = new HttpRequestMessage(new HttpMethod(method), path)
            {
                Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json"),
            };
            var response = await client.Http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode;
            if (Matrix[permission].Contains(role))
            {
                status.Should().NotBe(403, "{0} holds {1} for {2} {3}: {4}", role, permission, method, path, text);
                status.Should().NotBe(401, "{0} is authenticated: {1}", role, text);
            }
            else
            {
                status.Should().Be(403, "{0} lacks {1} for {2} {3}: {4}", role, permission, method, path, text);
                response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
            }
        }
    }

    [Fact]
    public async Task The_table_covers_every_documented_permission()
    {
        var covered = Endpoints.Select(row => (string)row[0]).ToHashSet();
        Matrix.Keys.Should().BeSubsetOf(covered);
        await Task.CompletedTask;
    }

    private async Task<string> TokenFor(string role)
    {
        if (!_tokens.TryGetValue(role, out var token))
        {
            using var admin = fixture.ControlPlane.Api();
            token = await IamApi.CreateTokenAsync(admin, new { name = $"matrix {role}", role, serviceAccount = true });
            _tokens[role] = token;
        }

        return token;
    }
}
