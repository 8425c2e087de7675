using System.Net.Http.Json;
using Argy.ControlPlane.Tests.Support;

namespace Argy.ControlPlane.Tests.Iam;

/// <summary>
/// Inside one tenant, a caller acting in an org (x-org-id) sees another org's team or product neither in lists
/// nor by id: reads and changes by id answer 404 and change nothing, as for another tenant's ids.
/// </summary>
public sealed class OrgScopeTests
{
    [Fact]
    public async Task Another_orgs_product_and_team_answer_404_by_id_and_are_left_unchanged()
    {
        await using var cp = await TestControlPlane.StartAsync();
        using var admin = cp.Admin();
        var ours = (string)(await TestControlPlane.Json(await admin.PostAsJsonAsync("/api/v1/orgs", new { name = "ours" }), 201))["id"]!;
        var theirs = (string)(await TestControlPlane.Json(await admin.PostAsJsonAsync("/api/v1/orgs", new { name = "theirs" }), 201))["id"]!;

        var product = (string)(await TestControlPlane.Json(await Send(admin, HttpMethod.Post, "/api/v1/products", theirs, new { name = "their-app" }), 201))["id"]!;
        var team = (string)(await TestControlPlane.Json(await Send(admin, HttpMethod.Post, "/api/v1/teams", theirs, new { name = "their-team" }), 201))["id"]!;

        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
                 {
                     (HttpMethod.Get, $"/api/v1/products/{product}", null),
                     (HttpMethod.Patch, $"/api/v1/products/{product}", new { description = "hijacked" }),
                     (HttpMethod.Get, $"/api/v1/products/{product}/approval", null),
                     (HttpMethod.Delete, $"/api/v1/products/{product}", null),
                     (HttpMethod.Get, $"/api/v1/teams/{team}", null),
                 })
        {
            using var response = await Send(admin, method, path, ours, body);
            ((int)response.StatusCode).Should().Be(404, "{0} {1} acting in another org", method, path);
        }

        // Their org, or no org at all, still sees both, unchanged.
        var seen = await TestControlPlane.Json(await Send(admin, HttpMethod.Get, $"/api/v1/products/{product}", theirs, null), 200);
        ((string?)seen["description"]).Should().BeNullOrEmpty();
        await TestControlPlane.Json(await admin.GetAsync($"/api/v1/teams/{team}"), 200);
    }

    private static Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string path, string org, object? body)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("x-org-id", org);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return client.SendAsync(request);
    }
}
