using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Argy.EndToEnd.Tests.Infrastructure;
using Argy.Tests.Shared;

namespace Argy.EndToEnd.Tests.Iam;

/// <summary>Security settings, branding, LLM filter policy, SSO objects and enforcement, and export/import between tenants.</summary>
[Collection(IamCollection.Name)]
public sealed class SettingsTests(IamFixture fixture)
{
    private ControlPlane ControlPlane => fixture.ControlPlane;

    [Fact]
    public async Task Settings_are_validated_and_kept_per_tenant()
    {
        var tenant = await ControlPlane.CreateTenantAsync("set-" + Guid.NewGuid().ToString("N")[..6]);
        using var admin = ControlPlane.Api(tenant);

        var security = await ApiClient.ExpectJson(await admin.Http.PutAsJsonAsync("/api/v1/settings/security",
            new { sessionDurationMinutes = 480, inactivityTimeoutMinutes = 30, maxSessionsPerUser = 3 }), 200);
        ((int)security["maxSessionsPerUser"]!).Should().Be(3);
        await ApiClient.ExpectProblem(await admin.Http.PutAsJsonAsync("/api/v1/settings/security",
            new { sessionDurationMinutes = 30, inactivityTimeoutMinutes = 60, maxSessionsPerUser = 3 }), 400);

        var branding = await ApiClient.ExpectJson(await admin.Http.PutAsJsonAsync("/api/v1/settings/branding",
            new { displayName = "Acme Platform", logoUrl = "https://cdn.acme.example/logo.svg", portalDomain = "Portal.Acme.example" }), 200);
        ((string)branding["portalDomain"]!).Should().Be("portal.acme.example");
        var insecure = await ApiClient.ExpectProblem(await admin.Http.PutAsJsonAsync("/api/v1/settings/branding",
            new { displayName = "Acme", logoUrl = "http://cdn.acme.example/logo.svg", portalDomain = "https://portal.acme.example/x" }), 400);
        insecure["errors"]!.AsObject().Select(e => e.Key).Should().BeEquivalentTo("logoUrl", "portalDomain");

        await ApiClient.ExpectJson(await admin.Http.PutAsJsonAsync("/api/v1/settings/llm-filter", new { piiMode = "Block", secretsMode = "Mask", outputPolicy = "Block" }), 200);
        await ApiClient.ExpectProblem(await admin.Http.PutAsJsonAsync("/api/v1/settings/llm-filter", new { piiMode = "Maybe", secretsMode = "Mask", outputPolicy = "Off" }), 400);
        ((string)(await ApiClient.ExpectJson(await admin.Http.GetAsync("/api/v1/settings/llm-filter"), 200))["piiMode"]!).Should().Be("Block");

        // Another tenant still has the defaults.
        using var other = ControlPlane.Api();
        ((string?)(await ApiClient.ExpectJson(await other.Http.GetAsync("/api/v1/settings/branding"), 200))["displayName"]).Should().NotBe("Acme Platform");

        // Quotas are enforced.
        await ApiClient.ExpectJson(await admin.Http.PutAsJsonAsync("/api/v1/settings/quotas", new { maxUsers = (int?)null, maxTeams = 1, maxProducts = (int?)null, maxApiTokens = (int?)null }), 200);
        await ApiClient.ExpectJson(await admin.Http.PostAsJsonAsync("/api/v1/teams", new { name = "one" }), 201);
        var quota = await ApiClient.ExpectProblem(await admin.Http.PostAsJsonAsync("/api/v1/teams", new { name = "two" }), 409);
        ((string)quota["detail"]!).Should().Contain("quota");
        var refusals = await Eventually.Until(
            async () => (JsonArray)(await ApiClient.ExpectJson(await admin.Http.GetAsync("/api/v1/audit-events?action=quota.exceeded"), 200))["items"]!,
            items => items.Count > 0, TimeSpan.FromSeconds(20), "the refused team to be audited");
        ((string?)refusals[0]!["resourceType"]).Should().Be("tenant_quota");
        ((string?)refusals[0]!["resourceId"]).Should().Be("teams");
        ((string?)refusals[0]!["outcome"]).Should().Be("denied");
    }

    [Fact]
    public async Task Sso_objects_are_stored_with_sp_metadata_and_enforcement_keeps_a_break_glass_admin()
    {
        var tenant = await ControlPlane.CreateTenantAsync("sso-" + Guid.NewGuid().ToString("N")[..6]);
        using var admin = ControlPlane.Api(tenant);

        var okta = await ApiClient.ExpectJson(await admin.Http.PostAsJsonAsync("/api/v1/settings/sso/oidc",
            new { name = "okta", provider = "okta", clientId = "0oa1", clientSecret = "okta-secret", domain = "acme.okta.com" }), 201);
        ((string)okta["oidc"]!["issuer"]!).Should().Be("https://acme.okta.com");
        okta.ToJsonString().Should().NotContain("okta-secret");
        await ApiClient.ExpectJson(await admin.Http.PostAsJsonAsync("/api/v1/settings/sso/oidc",
            new { name = "google", provider = "google", clientId = "x.apps.googleusercontent.com", clientSecret = "g", domain = "acme.example" }), 201);
        await ApiClient.ExpectProblem(await admin.Http.PostAsJsonAsync("/api/v1/settings/sso/oidc",
            new { name = "entra", provider = "entra", clientId = "id", clientSecret = "s" }), 400);

        var saml = await ApiClient.ExpectJson(await admin.Http.PostAsJsonAsync("/api/v1/settings/sso/saml", new
        {
            name = "adfs",
            metadataXml = SamlSample.IdpMetadata(),
            attributeMapping = new { email = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", firstName = "givenname", lastName = "surname", groups = "groups" },
        }), 201);
        ((string)saml["saml"]!["entityId"]!).Should().Be("https://idp.example.test/saml");
        ((string)saml["saml"]!["ssoUrl"]!).Should().Be("https://idp.example.test/saml/sso");
        saml["saml"]!["certificates"]!.AsArray().Should().ContainSingle();
        var spMetadata = await admin.Http.GetAsync((string)saml["saml"]!["spMetadataUrl"]!);
        spMetadata.Content.Headers.ContentType!.MediaType.Should().Be("application/samlmetadata+xml");
        var sp = await spMetadata.Content.ReadAsStringAsync();
        sp.Should().Contain("SPSSODescriptor").And.Contain($"entityID=\"{(string)saml["saml"]!["spEntityId"]!}\"").And.Contain("/acs");
        var external = await ApiClient.ExpectProblem(await admin.Http.PostAsJsonAsync("/api/v1/settings/sso/saml", new
        {
            name = "evil",
            metadataXml = "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><EntityDescriptor>&e;</EntityDescriptor>",
            attributeMapping = new { email = "mail" },
        }), 400);
        ((string)external["detail"]!).Should().Contain("metadataXml");

        // Enforcement needs a break-glass admin who is an active user.
        var noBreakGlass = await ApiClient.ExpectProblem(await admin.Http.PutAsJsonAsync("/api/v1/settings/sso/enforcement", new { enforced = true }), 409);
        ((string)noBreakGlass["detail"]!).Should().Contain("break-glass");
        var (adminUserId, adminUser) = await IamApi.SignedInUserAsync(fixture, admin, "PLATFORM_ADMIN");
        adminUser.Dispose();
        var (viewerId, viewer) = await IamApi.SignedInUserAsync(fixture, admin, "VIEWER");
        viewer.Dispose();
        await ApiClient.ExpectProblem(await admin.Http.PutAsJsonAsync("/api/v1/settings/sso/enforcement",
            new { enforced = true, breakGlassUserIds = new[] { viewerId } }), 400);
        await ApiClient.ExpectJson(await admin.Http.PutAsJsonAsync("/api/v1/settings/sso/enforcement",
            new { enforced = true, breakGlassUserIds = new[] { adminUserId } }), 200);

        // Now only the break-glass admin gets an emailed sign-in link; and they cannot be disabled.
        var adminEmail = (string)(await ApiClient.ExpectJson(await admin.Http.GetAsync($"/api/v1/users/{adminUserId}"), 200))["email"]!;
        var viewerEmail = (string)(await ApiClient.ExpectJson(await admin.Http.GetAsync($"/api/v1/users/{viewerId}"), 200))["email"]!;
        using var anonymous = new ApiClient(ControlPlane.Url, null);
        await ApiClient.ExpectJson(await anonymous.Http.PostAsJsonAsync("/api/v1/auth/magic-link", new { tenant = tenant.TenantId, email = viewerEmail }), 202);
        await ApiClient.ExpectJson(await anonymous.Http.PostAsJsonAsync("/api/v1/auth/magic-link", new { tenant = tenant.TenantId, email = adminEmail }), 202);
        await fixture.Mail.WaitForAsync(adminEmail, "Sign in");
        await Task.Delay(500);
        fixture.Mail.Messages.Should().NotContain(m => m.To.ToString().Contains(viewerEmail, StringComparison.Ordinal) && (m.Subject ?? "").Contains("Sign in", StringComparison.Ordinal));
        var guard = await ApiClient.ExpectProblem(await admin.Http.PostAsync($"/api/v1/users/{adminUserId}/disable", null), 409);
        ((string)guard["detail"]!).Should().Contain("break-glass");

        // Providers can go while another stays enabled; the last one cannot while SSO is enforced.
        var overview = await ApiClient.ExpectJson(await admin.Http.GetAsync("/api/v1/settings/sso"), 200);
        var ids = overview["providers"]!.AsArray().Select(p => (string)p!["id"]!).ToList();
        ids.Should().HaveCount(3);
        foreach (var id in ids.Where(id => id != (string)okta["id"]!))
        {
            (await admin.Http.DeleteAsync($"/api/v1/settings/sso/providers/{id}")).StatusCode.Should().Be(System.Net.HttpStatusCode.NoContent);
        }

        await ApiClient.ExpectProblem(await admin.Http.DeleteAsync($"/api/v1/settings/sso/providers/{(string)okta["id"]!}"), 409);
    }

    [Fact]
    public async Task Export_then_import_into_a_fresh_tenant_previews_applies_atomically_and_exports_the_same()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var source = await ControlPlane.CreateTenantAsync("src-" + tag);
        var target = await ControlPlane.CreateTenantAsync("dst-" + tag);
        using var src = ControlPlane.Api(source);
        using var dst = ControlPlane.Api(target);

        await ApiClient.ExpectJson(await src.Http.PutAsJsonAsync("/api/v1/settings/quotas", new { maxUsers = 50, maxTeams = 10, maxProducts = (int?)null, maxApiTokens = 20 }), 200);
        await ApiClient.ExpectJson(await src.Http.PutAsJsonAsync("/api/v1/settings/security", new { sessionDurationMinutes = 480, inactivityTimeoutMinutes = 30, maxSessionsPerUser = 3 }), 200);
        await ApiClient.ExpectJson(await src.Http.PutAsJsonAsync("/api/v1/settings/llm-filter", new { piiMode = "Block", secretsMode = "Mask", outputPolicy = "Block" }), 200);
        await ApiClient.ExpectJson(await src.Http.PutAsJsonAsync("/api/v1/settings/ip-allowlist",
            new { enabled = true, entries = new[] { new { cidr = "127.0.0.0/8", description = "loopback" }, new { cidr = "::1/128", description = "loopback v6" } } }), 200);
        await ApiClient.ExpectJson(await src.Http.PutAsJsonAsync("/api/v1/settings/branding", new { displayName = "Acme", logoUrl = "https://acme.example/logo.png", portalDomain = "argy.acme.example" }), 200);
        var web = (string)(await ApiClient.ExpectJson(await src.Http.PostAsJsonAsync("/api/v1/products", new { name = "web", description = "storefront" }), 201))["id"]!;
        var api = (string)(await ApiClient.ExpectJson(await src.Http.PostAsJsonAsync("/api/v1/products", new { name = "api" }), 201))["id"]!;
        var team = (string)(await ApiClient.ExpectJson(await src.Http.PostAsJsonAsync("/api/v1/teams", new { name = "Platform", description = "runs it" }), 201))["id"]!;
        await ApiClient.ExpectJson(await src.Http.PutAsJsonAsync($"/api/v1/teams/{team}/products/{web}", new { permission = "write" }), 200);
        await ApiClient.ExpectJson(await src.Http.PutAsJsonAsync($"/api/v1/teams/{team}/products/{api}", new { permission = "admin" }), 200);
        await ApiClient.ExpectJson(await src.Http.PostAsJsonAsync("/api/v1/settings/sso/oidc",
            new { name = "okta", provider = "okta", clientId = "0oa1", clientSecret = "never-exported", domain = "acme.okta.com" }), 201);
        await ApiClient.ExpectJson(await src.Http.PostAsJsonAsync("/api/v1/settings/sso/saml",
            new { name = "adfs", metadataXml = SamlSample.IdpMetadata(), attributeMapping = new { email = "mail", groups = "groups" } }), 201);

        var exported = await ApiClient.ExpectJson(await src.Http.GetAsync("/api/v1/config/export?sections=sso,quotas,teams,policies,branding"), 200);
        exported.ToJsonString().Should().NotContain("never-exported");
        var partial = await ApiClient.ExpectJson(await src.Http.GetAsync("/api/v1/config/export?sections=quotas"), 200);
        partial["teams"].Should().BeNull();
        ((int)partial["quotas"]!["maxUsers"]!).Should().Be(50);

        // Preview: everything is a creation, nothing is written yet.
        var preview = await ApiClient.ExpectJson(await dst.Http.PostAsJsonAsync("/api/v1/config/import/preview", new { document = exported }), 200);
        var changes = preview["changes"]!.AsArray().Select(c => ((string)c!["action"]!, (string)c["item"]!)).ToList();
        changes.Should().OnlyContain(c => c.Item1 == "create");
        changes.Select(c => c.Item2).Should().Contain(["quotas", "security", "ipAllowList", "llmFilter", "branding", "product web", "product api", "team Platform", "provider okta", "provider adfs"]);
        preview["warnings"]!.AsArray().Should().ContainSingle(w => ((string)w!).Contains("okta"));
        (await ApiClient.ExpectJson(await dst.Http.GetAsync("/api/v1/teams"), 200))["items"]!.AsArray().Should().BeEmpty();

        // Applying needs the preview's fingerprint.
        await ApiClient.ExpectProblem(await dst.Http.PostAsJsonAsync("/api/v1/config/import", new { document = exported }), 400);
        await ApiClient.ExpectProblem(await dst.Http.PostAsJsonAsync("/api/v1/config/import", new { document = exported, confirm = "0000" }), 409);
        var applied = await ApiClient.ExpectJson(await dst.Http.PostAsJsonAsync("/api/v1/config/import",
            new { document = exported, confirm = (string)preview["fingerprint"]! }), 200);
        applied["applied"]!.AsArray().Should().HaveCount(changes.Count);

        var again = await ApiClient.ExpectJson(await dst.Http.GetAsync("/api/v1/config/export?sections=sso,quotas,teams,policies,branding"), 200);
        JsonNode.DeepEquals(again, exported).Should().BeTrue("export → import → export must round-trip:\n{0}\n{1}", exported, again);
        var second = await ApiClient.ExpectJson(await dst.Http.PostAsJsonAsync("/api/v1/config/import/preview", new { document = exported }), 200);
        second["changes"]!.AsArray().Should().OnlyContain(c => (string)c!["action"]! == "unchanged");

        // A stale fingerprint is refused once the state moved on; an invalid document changes nothing.
        await ApiClient.ExpectProblem(await dst.Http.PostAsJsonAsync("/api/v1/config/import",
            new { document = exported, confirm = (string)preview["fingerprint"]! }), 409);
        var broken = JsonNode.Parse(exported.ToJsonString())!.AsObject();
        broken["teams"]!["teams"]![0]!["products"]!.AsArray().Add(new JsonObject { ["product"] = "missing", ["permission"] = "write" });
        broken["quotas"]!["maxUsers"] = 7;
        await ApiClient.ExpectProblem(await dst.Http.PostAsJsonAsync("/api/v1/config/import/preview", new { document = broken }), 400);
        ((int)(await ApiClient.ExpectJson(await dst.Http.GetAsync("/api/v1/settings/quotas"), 200))["maxUsers"]!).Should().Be(50);
    }
}
