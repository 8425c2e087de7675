using System.Net.Http.Json;
using Argy.EndToEnd.Tests.Infrastructure;

namespace Argy.EndToEnd.Tests.Iam;

/// <summary>Who may deploy what: team product permissions, product-scoped tokens, and first-use registration.</summary>
[Collection(IamCollection.Name)]
public sealed class DeployPermissionTests(IamFixture fixture)
{
    private ControlPlane ControlPlane => fixture.ControlPlane;

    [Fact]
    public async Task Users_deploy_only_the_products_their_teams_may_write_and_scoped_tokens_only_their_products()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var tenant = await ControlPlane.CreateTenantAsync("deploy-" + tag);
        using var admin = ControlPlane.Api(tenant);
        var pay = (string)(await ApiClient.ExpectJson(await admin.Http.PostAsJsonAsync("/api/v1/products", new { name = "pay" }), 201))["id"]!;
        var docs = (string)(await ApiClient.ExpectJson(await admin.Http.PostAsJsonAsync("/api/v1/products", new { name = "docs" }), 201))["id"]!;
        var payTeam = (string)(await ApiClient.ExpectJson(await admin.Http.PostAsJsonAsync("/api/v1/teams",
            new { name = "Payments", products = new[] { new { product = "pay", permission = "write" }, new { product = "docs", permission = "read" } } }), 201))["id"]!;
        var (_, member) = await IamApi.SignedInUserAsync(fixture, admin, "PLATFORM_USER", payTeam);
        var (_, outsider) = await IamApi.SignedInUserAsync(fixture, admin, "PLATFORM_USER");
        using var _1 = member;
        using var _2 = outsider;
        object Job(string product) => new { product, script = "true", tags = new[] { "nowhere-" + tag } };

        var run = await ApiClient.ExpectJson(await member.Http.PostAsJsonAsync("/api/v1/deployments", Job("pay")), 202);
        var readOnly = await ApiClient.ExpectProblem(await member.Http.PostAsJsonAsync("/api/v1/deployments", Job("docs")), 403);
        ((string)readOnly["detail"]!).Should().Contain("write access");
        await ApiClient.ExpectProblem(await member.Http.PostAsJsonAsync("/api/v1/deployments", Job("unknown-" + tag)), 403);
        await ApiClient.ExpectProblem(await outsider.Http.PostAsJsonAsync("/api/v1/deployments", Job("pay")), 403);
        await ApiClient.ExpectProblem(await outsider.Http.PostAsync($"/api/v1/deployments/{run["runId"]}/cancel", null), 403);

        // Write permission on docs lets the member deploy it from the next request on.
        await ApiClient.ExpectJson(await admin.Http.PutAsJsonAsync($"/api/v1/teams/{payTeam}/products/{docs}", new { permission = "admin" }), 200);
        await ApiClient.ExpectJson(await member.Http.PostAsJsonAsync("/api/v1/deployments", Job("docs")), 202);
        await ApiClient.ExpectJson(await member.Http.PostAsync($"/api/v1/deployments/{run["runId"]}/cancel", null), 202);

        // A token limited to pay cannot deploy docs, whatever its role.
        var scoped = await IamApi.CreateTokenAsync(admin, new { name = "pay-ci", role = "PLATFORM_ADMIN", products = new[] { "pay" } });
        using var scopedClient = new ApiClient(ControlPlane.Url, scoped);
        await ApiClient.ExpectJson(await scopedClient.Http.PostAsJsonAsync("/api/v1/deployments", Job("pay")), 202);
        var outOfScope = await ApiClient.ExpectProblem(await scopedClient.Http.PostAsJsonAsync("/api/v1/deployments", Job("docs")), 403);
        ((string)outOfScope["detail"]!).Should().Contain("limited");
        await ApiClient.ExpectProblem(await admin.Http.PostAsJsonAsync("/api/v1/tokens", new { name = "bad", role = "VIEWER", products = new[] { "nope" } }), 400);

        // Engineers register a product by deploying it; a signed-in PLATFORM_USER cannot.
        var engineer = await IamApi.CreateTokenAsync(admin, new { name = "eng", role = "PLATFORM_ENGINEER" });
        using var engineerClient = new ApiClient(ControlPlane.Url, engineer);
        await ApiClient.ExpectJson(await engineerClient.Http.PostAsJsonAsync("/api/v1/deployments", Job("brand-new")), 202);
        var products = await ApiClient.ExpectJson(await admin.Http.GetAsync("/api/v1/products"), 200);
        products["items"]!.AsArray().Select(p => (string)p!["name"]!).Should().Contain("brand-new");
    }
}
