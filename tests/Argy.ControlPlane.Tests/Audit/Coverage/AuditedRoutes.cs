using System.Text.Json.Nodes;
using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Tests.Support;
using Argy.ControlPlane.Users;
using Microsoft.Extensions.DependencyInjection;
using A = Argy.ControlPlane.Audit.AuditActions;
using R = Argy.ControlPlane.Audit.AuditResources;
using Argy.Tests.Shared;

namespace Argy.ControlPlane.Tests.Audit.Coverage;

/// <summary>
/// One row per state-changing route: how to make a request that succeeds, and the one audit record it must
/// write. <see cref="Action"/> null means the route changes nothing and must write no record.
/// </summary>
public sealed record AuditedRoute(string Method, string Template, string? Action, string? ResourceType, Func<AuditProbe, Task<Arranged>> Arrange)
{
    public string Key => AuditRouteTable.Key(Method, Template);

    public override string ToString() => Key;
}

/// <summary>
/// Every POST, PUT, PATCH and DELETE route of the control plane. A new endpoint must add its row here (the
/// guard test fails otherwise): usually one line, <c>Row("POST", "/api/v1/things", A.ThingCreated, R.Thing, async p =&gt; ...)</c>.
/// </summary>
public static class AuditRouteTable
{
    /// <summary>Routes whose audit record another part of the system writes, not yet on this branch: route → who.</summary>
    public static readonly IReadOnlyDictionary<string, string> WrittenElsewhere = new Dictionary<string, string>();

    public static string Key(string method, string template) => $"{method.ToUpperInvariant()} {template.TrimEnd('/')}";

    private static AuditedRoute Row(string method, string template, string? action, string? resourceType, Func<AuditProbe, Task<Arranged>> arrange) =>
        new(method, template, action, resourceType, arrange);

    private static AuditedRoute RowNow(string method, string template, string? action, string? resourceType, Func<AuditProbe, Arranged> arrange) =>
        new(method, template, action, resourceType, p => Task.FromResult(arrange(p)));

    private static Func<JsonNode?, string?> Field(params string[] path) => node =>
    {
        foreach (var name in path)
        {
            node = node?[name];
        }

        return (string?)node;
    };

    private static readonly object ScimUserSchemas = new[] { "urn:ietf:params:scim:schemas:core:2.0:User" };
    private static readonly object ScimGroupSchemas = new[] { "urn:ietf:params:scim:schemas:core:2.0:Group" };
    private static readonly object ScimPatchSchemas = new[] { "urn:ietf:params:scim:api:messages:2.0:PatchOp" };

    public static readonly IReadOnlyList<AuditedRoute> All =
    [
        // Agents
        RowNow("POST", "/api/v1/agents", A.AgentCreated, R.Agent, p =>
            new(p.Json("POST", "/api/v1/agents", new { name = AuditProbe.Unique("agent") }), p.ByAdmin(Field("id")))),
        Row("POST", "/api/v1/agents/{id}/revoke", A.AgentRevoked, R.Agent, async p =>
        {
            var id = await p.CreatedIdAsync("/api/v1/agents", new { name = AuditProbe.Unique("agent") });
            return new(p.Json("POST", $"/api/v1/agents/{id}/revoke"), p.ByAdmin(id));
        }),
        Row("POST", "/api/v1/agents/enroll", A.AgentEnrolled, R.Agent, async p =>
        {
            var created = await p.AdminAsync("POST", "/api/v1/agents", new { name = AuditProbe.Unique("agent") });
            var id = (string)created["id"]!;
            return new(p.Json("POST", "/api/v1/agents/enroll",
                    new { token = (string)created["enrollmentToken"]!, hostname = "host-1", os = "linux", arch = "x64", version = "0.1.0" }, bearer: ""),
                new Expected(AuditActorType.Agent, id, id));
        }),
        Row("POST", "/api/v1/agents/{id}/credentials/rotate", A.AgentCredentialRotated, R.Agent, async p =>
        {
            var agent = await p.ControlPlane.EnrollAgentAsync(AuditProbe.Unique("agent"));
            return new(AgentRequests.Rotate(p.ControlPlane, agent), new Expected(AuditActorType.Agent, agent.AgentId, agent.AgentId));
        }),

        // Deployments: runs tagged for no agent stay queued (or wait for approval), so nothing else happens to them.
        Row("POST", "/api/v1/deployments", A.DeploymentSubmitted, R.Deployment, async p =>
        {
            var product = AuditProbe.Unique("prd");
            await p.CreatedIdAsync("/api/v1/products", new { name = product });
            return new(p.Json("POST", "/api/v1/deployments", new { product, command = new[] { "true" }, tags = new[] { "nowhere-" + product } }), p.ByAdmin(Field("runId")));
        }),
        Row("POST", "/api/v1/deployments/{runId}/cancel", A.DeploymentCancelled, R.Deployment, async p =>
        {
            var product = AuditProbe.Unique("prd");
            await p.CreatedIdAsync("/api/v1/products", new { name = product });
            var run = (string)(await p.AdminAsync("POST", "/api/v1/deployments", new { product, command = new[] { "true" }, tags = new[] { "nowhere-" + product } }))["runId"]!;
            return new(p.Json("POST", $"/api/v1/deployments/{run}/cancel"), p.ByAdmin(run));
        }),

        // Approvals: the admin token requests the run, another token (an approver) decides on it.
        Row("PUT", "/api/v1/products/{id}/approval", A.ProductApprovalUpdated, R.Product, async p =>
        {
            var id = await p.CreatedIdAsync("/api/v1/products", new { name = AuditProbe.Unique("prd") });
            return new(p.Json("PUT", $"/api/v1/products/{id}/approval", new { required = true, tags = new[] { "env:prod" } }), p.ByAdmin(id));
        }),
        Row("POST", "/api/v1/deployments/{runId}/approve", A.DeploymentApproved, R.Deployment, async p =>
        {
            var run = await PendingRunAsync(p);
            var (token, tokenId) = Approver(p);
            return new(p.Json("POST", $"/api/v1/deployments/{run}/approve", new { comment = "go" }, token), new Expected(AuditActorType.Token, tokenId, run));
        }),
        Row("POST", "/api/v1/deployments/{runId}/reject", A.DeploymentRejected, R.Deployment, async p =>
        {
            var run = await PendingRunAsync(p);
            var (token, tokenId) = Approver(p);
            return new(p.Json("POST", $"/api/v1/deployments/{run}/reject", new { comment = "change freeze" }, token), new Expected(AuditActorType.Token, tokenId, run));
        }),

        // Deployment quotas (no limit: the other rows' deployments go on).
        RowNow("PUT", "/api/v1/quotas/deployments", A.QuotaUpdated, R.DeploymentQuota, p =>
            new(p.Json("PUT", "/api/v1/quotas/deployments", new { deploymentsPerHour = (int?)null, deploymentsPerDay = (int?)null }), p.ByAdmin("tenant"))),
        Row("PUT", "/api/v1/quotas/deployments/orgs/{orgId}", A.QuotaUpdated, R.DeploymentQuota, async p =>
        {
            var org = await p.CreatedIdAsync("/api/v1/orgs", new { name = AuditProbe.Unique("org") });
            return new(p.Json("PUT", $"/api/v1/quotas/deployments/orgs/{org}", new { deploymentsPerHour = 100, deploymentsPerDay = 1000 }), p.ByAdmin("org:" + org));
        }),

        // LLM credits: each row's user has the user role's 50 credits, far from an alert threshold (which would be a
        // second, separate record: llm.credits.threshold_crossed).
        RowNow("PUT", "/api/v1/llm/quotas", A.LlmQuotasChanged, R.Settings, p =>
            new(p.Json("PUT", "/api/v1/llm/quotas", new { timeZone = "UTC" }), p.ByAdmin("llm-credits"))),
        Row("PUT", "/api/v1/llm/quotas/users/{userId}", A.LlmUserQuotaSet, R.User, async p =>
        {
            var user = await LlmUserAsync(p);
            return new(p.Json("PUT", $"/api/v1/llm/quotas/users/{user}", new { monthlyCredits = 5 }), p.ByAdmin(user));
        }),
        Row("DELETE", "/api/v1/llm/quotas/users/{userId}", A.LlmUserQuotaCleared, R.User, async p =>
        {
            var user = await LlmUserAsync(p);
            await p.AdminAsync("PUT", $"/api/v1/llm/quotas/users/{user}", new { monthlyCredits = 5 });
            return new(p.Json("DELETE", $"/api/v1/llm/quotas/users/{user}"), p.ByAdmin(user));
        }),
        Row("POST", "/api/v1/llm/authorize", A.LlmReservationCreated, R.LlmReservation, async p =>
        {
            var user = await LlmUserAsync(p);
            return new(p.Json("POST", "/api/v1/llm/authorize", new { user, model = "gpt-test", estimatedTokens = 1000 }), p.ByAdmin(Field("reservationId")));
        }),
        Row("POST", "/api/v1/llm/reservations/{id}/settle", A.LlmReservationSettled, R.LlmReservation, async p =>
        {
            var reservation = await ReservationAsync(p);
            return new(p.Json("POST", $"/api/v1/llm/reservations/{reservation}/settle", new { inputTokens = 100, outputTokens = 50 }), p.ByAdmin(reservation));
        }),
        Row("POST", "/api/v1/llm/reservations/{id}/release", A.LlmReservationReleased, R.LlmReservation, async p =>
        {
            var reservation = await ReservationAsync(p);
            return new(p.Json("POST", $"/api/v1/llm/reservations/{reservation}/release"), p.ByAdmin(reservation));
        }),
        Row("POST", "/api/v1/llm/usage", A.LlmUsageRecorded, R.LlmUsage, async p =>
        {
            var user = await LlmUserAsync(p);
            return new(p.Json("POST", "/api/v1/llm/usage", new { user, model = "gpt-test", inputTokens = 100, outputTokens = 50, correlationId = AuditProbe.Unique("llm") }),
                p.ByAdmin(Field("usage", "id")));
        }),

        // Delivery sinks: created disabled, so the deliverer leaves them alone; the test sends to the email pickup directory.
        RowNow("POST", "/api/v1/delivery/sinks", A.DeliverySinkCreated, R.DeliverySink, p =>
            new(p.Json("POST", "/api/v1/delivery/sinks", EmailSink()), p.ByAdmin(Field("sink", "id")))),
        Row("PATCH", "/api/v1/delivery/sinks/{id}", A.DeliverySinkUpdated, R.DeliverySink, async p =>
        {
            var id = await SinkAsync(p);
            return new(p.Json("PATCH", $"/api/v1/delivery/sinks/{id}", new { name = "renamed" }), p.ByAdmin(id));
        }),
        Row("DELETE", "/api/v1/delivery/sinks/{id}", A.DeliverySinkDeleted, R.DeliverySink, async p =>
        {
            var id = await SinkAsync(p);
            return new(p.Json("DELETE", $"/api/v1/delivery/sinks/{id}"), p.ByAdmin(id));
        }),
        Row("POST", "/api/v1/delivery/sinks/{id}/test", A.DeliverySinkTested, R.DeliverySink, async p =>
        {
            var id = await SinkAsync(p);
            return new(p.Json("POST", $"/api/v1/delivery/sinks/{id}/test"), p.ByAdmin(id));
        }),

        // API tokens
        RowNow("POST", "/api/v1/tokens", A.TokenCreated, R.Token, p =>
            new(p.Json("POST", "/api/v1/tokens", new { name = AuditProbe.Unique("tok"), role = Roles.Viewer, serviceAccount = true }), p.ByAdmin(Field("id")))),
        Row("POST", "/api/v1/tokens/{id}/revoke", A.TokenRevoked, R.Token, async p =>
        {
            var id = await p.CreatedIdAsync("/api/v1/tokens", new { name = AuditProbe.Unique("tok"), role = Roles.Viewer, serviceAccount = true });
            return new(p.Json("POST", $"/api/v1/tokens/{id}/revoke"), p.ByAdmin(id));
        }),

        // Device authorization
        RowNow("POST", "/oauth/device_authorization", A.DeviceAuthorizationRequested, R.Device, p =>
            new(p.Form("/oauth/device_authorization", ("client_id", "argy-cli")), new Expected(AuditActorType.Anonymous, "anonymous", Expected.AnyId))),
        Row("POST", "/api/v1/device/approve", A.DeviceApproved, R.Device, async p =>
        {
            var authorization = await new OAuthClient(p.ControlPlane.Http()).AuthorizeAsync("argy-cli");
            return new(p.Json("POST", "/api/v1/device/approve", new { userCode = (string)authorization["user_code"]! }), p.ByAdmin(Field("id")));
        }),
        Row("POST", "/api/v1/device/deny", A.DeviceDenied, R.Device, async p =>
        {
            var authorization = await new OAuthClient(p.ControlPlane.Http()).AuthorizeAsync("argy-cli");
            return new(p.Json("POST", "/api/v1/device/deny", new { userCode = (string)authorization["user_code"]! }), p.ByAdmin(Field("id")));
        }),
        Row("POST", "/oauth/token", A.TokenCreated, R.Token, async p =>
        {
            var authorization = await new OAuthClient(p.ControlPlane.Http()).AuthorizeAsync("argy-cli");
            await p.AdminAsync("POST", "/api/v1/device/approve", new { userCode = (string)authorization["user_code"]! });
            return new(p.Form("/oauth/token", ("grant_type", OAuthClient.DeviceGrant), ("device_code", (string)authorization["device_code"]!), ("client_id", "argy-cli")),
                new Expected(AuditActorType.Anonymous, "anonymous", null, Field("token_id")));
        }),

        // Users
        RowNow("POST", "/api/v1/users", A.UserInvited, R.User, p =>
            new(p.Json("POST", "/api/v1/users", new { email = AuditProbe.Unique("u") + "@example.test", role = Roles.Viewer }), p.ByAdmin(Field("user", "id")))),
        Row("PATCH", "/api/v1/users/{id}", A.UserUpdated, R.User, async p =>
        {
            var (id, _) = await p.InvitedUserAsync();
            return new(p.Json("PATCH", $"/api/v1/users/{id}", new { displayName = "Renamed" }), p.ByAdmin(id));
        }),
        Row("POST", "/api/v1/users/{id}/disable", A.UserDisabled, R.User, async p =>
        {
            var (id, _) = await p.InvitedUserAsync();
            return new(p.Json("POST", $"/api/v1/users/{id}/disable"), p.ByAdmin(id));
        }),
        Row("POST", "/api/v1/users/{id}/enable", A.UserEnabled, R.User, async p =>
        {
            var (id, _) = await p.InvitedUserAsync();
            await p.AdminAsync("POST", $"/api/v1/users/{id}/disable");
            return new(p.Json("POST", $"/api/v1/users/{id}/enable"), p.ByAdmin(id));
        }),
        Row("POST", "/api/v1/users/{id}/resend-invitation", A.UserInvitationResent, R.User, async p =>
        {
            var (id, _) = await p.InvitedUserAsync();
            return new(p.Json("POST", $"/api/v1/users/{id}/resend-invitation"), p.ByAdmin(id));
        }),
        Row("DELETE", "/api/v1/users/{id}", A.UserDeleted, R.User, async p =>
        {
            var (id, _) = await p.InvitedUserAsync();
            return new(p.Json("DELETE", $"/api/v1/users/{id}"), p.ByAdmin(id));
        }),
        Row("POST", "/api/v1/users/{id}/sessions/revoke", A.SessionsRevoked, R.User, async p =>
        {
            var user = await p.ActiveUserAsync();
            return new(p.Json("POST", $"/api/v1/users/{user.UserId}/sessions/revoke"), p.ByAdmin(user.UserId));
        }),

        // Sign-in and sessions
        Row("POST", "/api/v1/auth/magic-link", A.SignInLinkSent, R.User, async p =>
        {
            var user = await p.ActiveUserAsync();
            return new(p.Json("POST", "/api/v1/auth/magic-link", new { tenant = p.ControlPlane.TenantId, email = user.Email }, bearer: ""),
                new Expected(AuditActorType.Anonymous, "anonymous", user.UserId));
        }),
        Row("POST", "/api/v1/auth/magic-link/redeem", A.SessionStarted, R.Session, async p =>
        {
            var user = await p.ActiveUserAsync();
            return new(p.Json("POST", "/api/v1/auth/magic-link/redeem", new { token = p.Link(user.UserId, LinkPurpose.SignIn) }, bearer: ""),
                new Expected(AuditActorType.User, user.UserId, null, Field("session", "id")));
        }),
        Row("POST", "/api/v1/auth/activate", A.SessionStarted, R.Session, async p =>
        {
            var (id, _) = await p.InvitedUserAsync();
            return new(p.Json("POST", "/api/v1/auth/activate", new { token = p.Link(id, LinkPurpose.Activation) }, bearer: ""),
                new Expected(AuditActorType.User, id, null, Field("session", "id")));
        }),
        Row("POST", "/api/v1/auth/refresh", A.SessionRefreshed, R.Session, async p =>
        {
            var user = await p.ActiveUserAsync();
            return new(p.Json("POST", "/api/v1/auth/refresh", bearer: user.AccessToken), new Expected(AuditActorType.User, user.UserId, user.SessionId));
        }),
        Row("POST", "/api/v1/auth/logout", A.SessionEnded, R.Session, async p =>
        {
            var user = await p.ActiveUserAsync();
            return new(p.Json("POST", "/api/v1/auth/logout", bearer: user.AccessToken), new Expected(AuditActorType.User, user.UserId, user.SessionId));
        }),
        Row("DELETE", "/api/v1/me/sessions/{id}", A.SessionEnded, R.Session, async p =>
        {
            var first = await p.ActiveUserAsync();
            var second = await p.SignInAgainAsync(first);
            return new(p.Json("DELETE", $"/api/v1/me/sessions/{first.SessionId}", bearer: second.AccessToken),
                new Expected(AuditActorType.User, first.UserId, first.SessionId));
        }),

        // Teams
        Row("POST", "/api/v1/teams", A.TeamCreated, R.Team, async p =>
        {
            var (member, _) = await p.InvitedUserAsync();
            return new(p.Json("POST", "/api/v1/teams", new { name = AuditProbe.Unique("team"), members = new[] { member } }), p.ByAdmin(Field("id")));
        }),
        Row("PATCH", "/api/v1/teams/{id}", A.TeamUpdated, R.Team, async p =>
        {
            var id = await p.CreatedIdAsync("/api/v1/teams", new { name = AuditProbe.Unique("team") });
            return new(p.Json("PATCH", $"/api/v1/teams/{id}", new { description = "changed" }), p.ByAdmin(id));
        }),
        Row("DELETE", "/api/v1/teams/{id}", A.TeamDeleted, R.Team, async p =>
        {
            var id = await p.CreatedIdAsync("/api/v1/teams", new { name = AuditProbe.Unique("team") });
            return new(p.Json("DELETE", $"/api/v1/teams/{id}"), p.ByAdmin(id));
        }),
        Row("PUT", "/api/v1/teams/{id}/members/{userId}", A.TeamMemberAdded, R.Team, async p =>
        {
            var id = await p.CreatedIdAsync("/api/v1/teams", new { name = AuditProbe.Unique("team") });
            var (user, _) = await p.InvitedUserAsync();
            return new(p.Json("PUT", $"/api/v1/teams/{id}/members/{user}"), p.ByAdmin(id));
        }),
        Row("DELETE", "/api/v1/teams/{id}/members/{userId}", A.TeamMemberRemoved, R.Team, async p =>
        {
            var (user, _) = await p.InvitedUserAsync();
            var id = await p.CreatedIdAsync("/api/v1/teams", new { name = AuditProbe.Unique("team"), members = new[] { user } });
            return new(p.Json("DELETE", $"/api/v1/teams/{id}/members/{user}"), p.ByAdmin(id));
        }),
        Row("PUT", "/api/v1/teams/{id}/products/{productId}", A.TeamProductGranted, R.Team, async p =>
        {
            var id = await p.CreatedIdAsync("/api/v1/teams", new { name = AuditProbe.Unique("team") });
            var product = await p.CreatedIdAsync("/api/v1/products", new { name = AuditProbe.Unique("prd") });
            return new(p.Json("PUT", $"/api/v1/teams/{id}/products/{product}", new { permission = "read" }), p.ByAdmin(id));
        }),
        Row("DELETE", "/api/v1/teams/{id}/products/{productId}", A.TeamProductRevoked, R.Team, async p =>
        {
            var name = AuditProbe.Unique("prd");
            var product = await p.CreatedIdAsync("/api/v1/products", new { name });
            var id = await p.CreatedIdAsync("/api/v1/teams", new { name = AuditProbe.Unique("team"), products = new[] { new { product = name, permission = "write" } } });
            return new(p.Json("DELETE", $"/api/v1/teams/{id}/products/{product}"), p.ByAdmin(id));
        }),

        // Products and orgs
        RowNow("POST", "/api/v1/products", A.ProductCreated, R.Product, p =>
            new(p.Json("POST", "/api/v1/products", new { name = AuditProbe.Unique("prd") }), p.ByAdmin(Field("id")))),
        Row("PATCH", "/api/v1/products/{id}", A.ProductUpdated, R.Product, async p =>
        {
            var id = await p.CreatedIdAsync("/api/v1/products", new { name = AuditProbe.Unique("prd") });
            return new(p.Json("PATCH", $"/api/v1/products/{id}", new { description = "changed" }), p.ByAdmin(id));
        }),
        Row("DELETE", "/api/v1/products/{id}", A.ProductDeleted, R.Product, async p =>
        {
            var id = await p.CreatedIdAsync("/api/v1/products", new { name = AuditProbe.Unique("prd") });
            return new(p.Json("DELETE", $"/api/v1/products/{id}"), p.ByAdmin(id));
        }),
        RowNow("POST", "/api/v1/orgs", A.OrgCreated, R.Org, p =>
            new(p.Json("POST", "/api/v1/orgs", new { name = AuditProbe.Unique("org") }), p.ByAdmin(Field("id")))),
        Row("PATCH", "/api/v1/orgs/{id}", A.OrgUpdated, R.Org, async p =>
        {
            var id = await p.CreatedIdAsync("/api/v1/orgs", new { name = AuditProbe.Unique("org") });
            return new(p.Json("PATCH", $"/api/v1/orgs/{id}", new { description = "changed" }), p.ByAdmin(id));
        }),
        Row("DELETE", "/api/v1/orgs/{id}", A.OrgDeleted, R.Org, async p =>
        {
            var id = await p.CreatedIdAsync("/api/v1/orgs", new { name = AuditProbe.Unique("org") });
            return new(p.Json("DELETE", $"/api/v1/orgs/{id}"), p.ByAdmin(id));
        }),

        // Settings
        RowNow("PUT", "/api/v1/settings/security", A.SettingsChanged, R.Settings, p =>
            new(p.Json("PUT", "/api/v1/settings/security", new { sessionDurationMinutes = 480, inactivityTimeoutMinutes = 60, maxSessionsPerUser = 20 }), p.ByAdmin("security"))),
        RowNow("PUT", "/api/v1/settings/ip-allowlist", A.SettingsChanged, R.Settings, p =>
            new(p.Json("PUT", "/api/v1/settings/ip-allowlist", new { enabled = false, entries = new[] { new { cidr = "10.0.0.0/8", description = "office" } } }),
                p.ByAdmin("ip-allowlist"))),
        RowNow("PUT", "/api/v1/settings/branding", A.SettingsChanged, R.Settings, p =>
            new(p.Json("PUT", "/api/v1/settings/branding", new { displayName = "Acme" }), p.ByAdmin("branding"))),
        RowNow("PUT", "/api/v1/settings/llm-filter", A.SettingsChanged, R.Settings, p =>
            new(p.Json("PUT", "/api/v1/settings/llm-filter", new { piiMode = "Block", secretsMode = "Mask", outputPolicy = "Block" }), p.ByAdmin("llm-filter"))),
        RowNow("PUT", "/api/v1/settings/quotas", A.SettingsChanged, R.Settings, p =>
            new(p.Json("PUT", "/api/v1/settings/quotas", new { maxUsers = 1000, maxTeams = 1000, maxProducts = 1000, maxApiTokens = 1000 }), p.ByAdmin("quotas"))),
        RowNow("PUT", "/api/v1/settings/sso/enforcement", A.SettingsChanged, R.Settings, p =>
            new(p.Json("PUT", "/api/v1/settings/sso/enforcement", new { enforced = false, breakGlassUserIds = Array.Empty<string>() }), p.ByAdmin("sso-enforcement"))),
        RowNow("PUT", "/api/v1/settings/scim", A.SettingsChanged, R.Settings, p =>
            new(p.Json("PUT", "/api/v1/settings/scim", new { defaultRole = Roles.Viewer }), p.ByAdmin("scim"))),
        RowNow("POST", "/api/v1/settings/sso/oidc", A.SsoProviderCreated, R.SsoProvider, p =>
            new(p.Json("POST", "/api/v1/settings/sso/oidc", Oidc(AuditProbe.Unique("okta"), "s3cret")), p.ByAdmin(Field("id")))),
        Row("PUT", "/api/v1/settings/sso/oidc/{id}", A.SsoProviderUpdated, R.SsoProvider, async p =>
        {
            var name = AuditProbe.Unique("okta");
            var id = await p.CreatedIdAsync("/api/v1/settings/sso/oidc", Oidc(name, "s3cret"));
            return new(p.Json("PUT", $"/api/v1/settings/sso/oidc/{id}", Oidc(name, null)), p.ByAdmin(id));
        }),
        RowNow("POST", "/api/v1/settings/sso/saml", A.SsoProviderCreated, R.SsoProvider, p =>
            new(p.Json("POST", "/api/v1/settings/sso/saml", new { name = AuditProbe.Unique("adfs"), metadataXml = SamlSample.IdpMetadata(), attributeMapping = SamlMapping }), p.ByAdmin(Field("id")))),
        Row("PUT", "/api/v1/settings/sso/saml/{id}", A.SsoProviderUpdated, R.SsoProvider, async p =>
        {
            var name = AuditProbe.Unique("adfs");
            var id = await p.CreatedIdAsync("/api/v1/settings/sso/saml", new { name, metadataXml = SamlSample.IdpMetadata(), attributeMapping = SamlMapping });
            return new(p.Json("PUT", $"/api/v1/settings/sso/saml/{id}", new { name, metadataXml = SamlSample.IdpMetadata(), attributeMapping = SamlMapping, enabled = false }), p.ByAdmin(id));
        }),
        Row("DELETE", "/api/v1/settings/sso/providers/{id}", A.SsoProviderDeleted, R.SsoProvider, async p =>
        {
            var id = await p.CreatedIdAsync("/api/v1/settings/sso/oidc", Oidc(AuditProbe.Unique("okta"), "s3cret"));
            return new(p.Json("DELETE", $"/api/v1/settings/sso/providers/{id}"), p.ByAdmin(id));
        }),
        RowNow("POST", "/api/v1/settings/scim/token", A.ScimTokenIssued, R.ScimToken, p =>
            new(p.Json("POST", "/api/v1/settings/scim/token"), p.ByAdmin(Expected.AnyId))),
        Row("DELETE", "/api/v1/settings/scim/token", A.ScimTokenRevoked, R.ScimToken, async p =>
        {
            await p.ScimTokenAsync();
            return new(p.Json("DELETE", "/api/v1/settings/scim/token"), p.ByAdmin(p.ScimTokenId()));
        }),

        // Configuration import: the preview changes nothing.
        Row("POST", "/api/v1/config/import/preview", null, null, async p =>
        {
            var document = await p.AdminAsync("GET", "/api/v1/config/export?sections=quotas");
            return new(p.Json("POST", "/api/v1/config/import/preview", new JsonObject { ["document"] = document }), p.ByAdmin((string?)null));
        }),
        Row("POST", "/api/v1/config/import", A.ConfigImported, R.Config, async p =>
        {
            var document = await p.AdminAsync("GET", "/api/v1/config/export?sections=quotas");
            var preview = await p.AdminAsync("POST", "/api/v1/config/import/preview", new JsonObject { ["document"] = document.DeepClone() });
            return new(p.Json("POST", "/api/v1/config/import", new JsonObject { ["document"] = document, ["confirm"] = (string)preview["fingerprint"]! }),
                p.ByAdmin((string?)null));
        }),

        // SCIM
        Row("POST", "/scim/v2/Users", A.UserProvisioned, R.User, async p =>
        {
            var token = await p.ScimTokenAsync();
            return new(p.Json("POST", "/scim/v2/Users", new { schemas = ScimUserSchemas, userName = AuditProbe.Unique("scim") + "@example.test" }, token, Scim),
                p.ByScim(null, Field("id")));
        }),
        Row("PUT", "/scim/v2/Users/{id}", A.UserUpdated, R.User, async p =>
        {
            var (token, id, email) = await ScimUserAsync(p);
            return new(p.Json("PUT", $"/scim/v2/Users/{id}", new { schemas = ScimUserSchemas, userName = email, displayName = "Put" }, token, Scim), p.ByScim(id));
        }),
        Row("PATCH", "/scim/v2/Users/{id}", A.UserUpdated, R.User, async p =>
        {
            var (token, id, _) = await ScimUserAsync(p);
            return new(p.Json("PATCH", $"/scim/v2/Users/{id}",
                new { schemas = ScimPatchSchemas, Operations = new[] { new { op = "replace", path = "displayName", value = "Patched" } } }, token, Scim), p.ByScim(id));
        }),
        Row("DELETE", "/scim/v2/Users/{id}", A.UserDeleted, R.User, async p =>
        {
            var (token, id, _) = await ScimUserAsync(p);
            return new(p.Json("DELETE", $"/scim/v2/Users/{id}", bearer: token), p.ByScim(id));
        }),
        Row("POST", "/scim/v2/Groups", A.TeamCreated, R.Team, async p =>
        {
            var token = await p.ScimTokenAsync();
            return new(p.Json("POST", "/scim/v2/Groups", new { schemas = ScimGroupSchemas, displayName = AuditProbe.Unique("grp") }, token, Scim), p.ByScim(null, Field("id")));
        }),
        Row("PUT", "/scim/v2/Groups/{id}", A.TeamUpdated, R.Team, async p =>
        {
            var (token, id) = await ScimGroupAsync(p);
            return new(p.Json("PUT", $"/scim/v2/Groups/{id}", new { schemas = ScimGroupSchemas, displayName = AuditProbe.Unique("grp") }, token, Scim), p.ByScim(id));
        }),
        Row("PATCH", "/scim/v2/Groups/{id}", A.TeamUpdated, R.Team, async p =>
        {
            var (token, id) = await ScimGroupAsync(p);
            return new(p.Json("PATCH", $"/scim/v2/Groups/{id}",
                new { schemas = ScimPatchSchemas, Operations = new[] { new { op = "replace", path = "displayName", value = AuditProbe.Unique("grp") } } }, token, Scim), p.ByScim(id));
        }),
        Row("DELETE", "/scim/v2/Groups/{id}", A.TeamDeleted, R.Team, async p =>
        {
            var (token, id) = await ScimGroupAsync(p);
            return new(p.Json("DELETE", $"/scim/v2/Groups/{id}", bearer: token), p.ByScim(id));
        }),
    ];

    private const string Scim = "application/scim+json";

    private static readonly object SamlMapping = new { email = "mail" };

    private static object Oidc(string name, string? secret) =>
        new { name, provider = "okta", clientId = "0oa1", clientSecret = secret, domain = "acme.okta.com" };

    /// <summary>A run of a product that requires approval, requested by the admin token: it waits for an approver.</summary>
    private static async Task<string> PendingRunAsync(AuditProbe p)
    {
        var product = AuditProbe.Unique("prd");
        var id = await p.CreatedIdAsync("/api/v1/products", new { name = product });
        await p.AdminAsync("PUT", $"/api/v1/products/{id}/approval", new { required = true });
        return (string)(await p.AdminAsync("POST", "/api/v1/deployments", new { product, command = new[] { "true" }, tags = new[] { "nowhere-" + product } }))["runId"]!;
    }

    /// <summary>An approver's API token (not the one that requested the run), and its id.</summary>
    private static (string Token, string Id) Approver(AuditProbe p)
    {
        var token = p.ControlPlane.Token(Roles.Approver);
        return (token, p.ControlPlane.Services.GetRequiredService<ApiTokenStore>().Authenticate(token)!.Id);
    }

    private static async Task<string> LlmUserAsync(AuditProbe p) =>
        (string)(await p.AdminAsync("POST", "/api/v1/users", new { email = AuditProbe.Unique("llm") + "@example.test", role = Roles.User }))["user"]!["id"]!;

    private static async Task<string> ReservationAsync(AuditProbe p)
    {
        var user = await LlmUserAsync(p);
        return (string)(await p.AdminAsync("POST", "/api/v1/llm/authorize", new { user, model = "gpt-test", estimatedTokens = 1000 }))["reservationId"]!;
    }

    private static object EmailSink() =>
        new { kind = "email", name = AuditProbe.Unique("sink"), recipients = new[] { "ops@example.test" }, enabled = false };

    private static async Task<string> SinkAsync(AuditProbe p) => (string)(await p.AdminAsync("POST", "/api/v1/delivery/sinks", EmailSink()))["sink"]!["id"]!;

    private static async Task<(string Token, string Id, string Email)> ScimUserAsync(AuditProbe p)
    {
        var token = await p.ScimTokenAsync();
        var email = AuditProbe.Unique("scim") + "@example.test";
        var response = await p.ControlPlane.Http().SendAsync(p.Json("POST", "/scim/v2/Users", new { schemas = ScimUserSchemas, userName = email }, token, Scim));
        return (token, (string)(await TestControlPlane.Json(response, 201))["id"]!, email);
    }

    private static async Task<(string Token, string Id)> ScimGroupAsync(AuditProbe p)
    {
        var token = await p.ScimTokenAsync();
        var response = await p.ControlPlane.Http().SendAsync(p.Json("POST", "/scim/v2/Groups", new { schemas = ScimGroupSchemas, displayName = AuditProbe.Unique("grp") }, token, Scim));
        return (token, (string)(await TestControlPlane.Json(response, 201))["id"]!);
    }
}
