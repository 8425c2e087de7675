using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Argy.EndToEnd.Tests.Infrastructure;

namespace Argy.EndToEnd.Tests.Iam;

/// <summary>SCIM 2.0 provisioning the way Entra ID and Okta drive it, asserting RFC 7643/7644 response shapes.</summary>
[Collection(IamCollection.Name)]
public sealed class ScimTests(IamFixture fixture)
{
    private const string UserSchema = "urn:ietf:params:scim:schemas:core:2.0:User";
    private const string PatchOp = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

    private ControlPlane ControlPlane => fixture.ControlPlane;

    [Fact]
    public async Task An_identity_provider_creates_filters_groups_and_deactivates_a_user()
    {
        var tenant = await ControlPlane.CreateTenantAsync("scim-" + Guid.NewGuid().ToString("N")[..6]);
        using var admin = ControlPlane.Api(tenant);
        var issued = await ApiClient.ExpectJson(await admin.Http.PostAsync("/api/v1/settings/scim/token", null), 200);
        ((string)issued["baseUrl"]!).Should().EndWith("/scim/v2");
        using var scim = Scim((string)issued["token"]!);
        var email = IamApi.UniqueEmail("alice");

        // 1. Does the user exist? Zero matches is a 200 ListResponse.
        var none = await Expect(await scim.GetAsync($"/scim/v2/Users?filter={Uri.EscapeDataString($"userName eq \"{email}\"")}"), 200);
        none["schemas"]!.AsArray().Select(s => (string)s!).Should().Equal("urn:ietf:params:scim:api:messages:2.0:ListResponse");
        ((int)none["totalResults"]!).Should().Be(0);
        none["Resources"]!.AsArray().Should().BeEmpty();

        // 2. Create it, as Entra sends it.
        var created = await Send(scim, HttpMethod.Post, "/scim/v2/Users", new JsonObject
        {
            ["schemas"] = new JsonArray(UserSchema, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
            ["externalId"] = "ext-alice",
            ["userName"] = email,
            ["active"] = true,
            ["displayName"] = "Alice Example",
            ["name"] = new JsonObject { ["givenName"] = "Alice", ["familyName"] = "Example" },
            ["emails"] = new JsonArray(new JsonObject { ["primary"] = true, ["type"] = "work", ["value"] = email }),
            ["title"] = "Engineer",
        }, 201);
        var userId = (string)created.Body["id"]!;
        created.Location.Should().EndWith($"/scim/v2/Users/{userId}");
        created.Body["schemas"]!.AsArray().Select(s => (string)s!).Should().Contain(UserSchema);
        ((string)created.Body["userName"]!).Should().Be(email);
        ((bool)created.Body["active"]!).Should().BeTrue();
        ((string)created.Body["externalId"]!).Should().Be("ext-alice");
        ((string)created.Body["name"]!["givenName"]!).Should().Be("Alice");
        ((string)created.Body["meta"]!["resourceType"]!).Should().Be("User");
        ((string)created.Body["meta"]!["location"]!).Should().EndWith($"/Users/{userId}");

        // Filters: externalId, userName (case-insensitive), and.
        var byExternal = await Expect(await scim.GetAsync($"/scim/v2/Users?filter={Uri.EscapeDataString("externalId eq \"ext-alice\"")}"), 200);
        ((int)byExternal["totalResults"]!).Should().Be(1);
        var both = await Expect(await scim.GetAsync(
            $"/scim/v2/Users?filter={Uri.EscapeDataString($"userName eq \"{email.ToUpperInvariant()}\" and externalId eq \"ext-alice\"")}"), 200);
        ((string)both["Resources"]![0]!["id"]!).Should().Be(userId);
        var duplicate = await Send(scim, HttpMethod.Post, "/scim/v2/Users", new JsonObject { ["schemas"] = new JsonArray(UserSchema), ["userName"] = email }, 409);
        ((string)duplicate.Body["scimType"]!).Should().Be("uniqueness");

        // 3. A group, and the user added to it the way Entra patches membership.
        var group = await Send(scim, HttpMethod.Post, "/scim/v2/Groups", new JsonObject
        {
            ["schemas"] = new JsonArray("urn:ietf:params:scim:schemas:core:2.0:Group"),
            ["displayName"] = "Engineering & Ops",
            ["externalId"] = "grp-eng",
            ["members"] = new JsonArray(),
        }, 201);
        var groupId = (string)group.Body["id"]!;
        await Send(scim, HttpMethod.Patch, $"/scim/v2/Groups/{groupId}", Patch(new JsonObject
        {
            ["op"] = "Add", ["path"] = "members", ["value"] = new JsonArray(new JsonObject { ["value"] = userId }),
        }), 200);
        var withMembers = await Expect(await scim.GetAsync($"/scim/v2/Groups/{groupId}"), 200);
        withMembers["members"]!.AsArray().Select(m => (string)m!["value"]!).Should().Equal(userId);
        var withoutMembers = await Expect(await scim.GetAsync(
            $"/scim/v2/Groups?filter={Uri.EscapeDataString("displayName eq \"Engineering & Ops\"")}&excludedAttributes=members"), 200);
        ((int)withoutMembers["totalResults"]!).Should().Be(1);
        withoutMembers["Resources"]![0]!.AsObject().ContainsKey("members").Should().BeFalse();
        var asUser = await ApiClient.ExpectJson(await admin.Http.GetAsync($"/api/v1/users/{userId}"), 200);
        asUser["teams"]!.AsArray().Select(t => (string)t!["name"]!).Should().Equal("Engineering & Ops");

        // 4. The user signs in; Entra's deactivation (string "False") ends the session at once.
        using var anonymous = new ApiClient(ControlPlane.Url, null);
        await ApiClient.ExpectJson(await anonymous.Http.PostAsJsonAsync("/api/v1/auth/magic-link", new { tenant = tenant.TenantId, email }), 202);
        var link = SmtpSink.LinkIn(await fixture.Mail.WaitForAsync(email, "Sign in"), "sign-in");
        var session = await IamApi.RedeemAsync(ControlPlane, "/api/v1/auth/magic-link/redeem", SmtpSink.TokenOf(link));
        using var alice = new ApiClient(ControlPlane.Url, (string)session["accessToken"]!);
        await ApiClient.ExpectJson(await alice.Http.GetAsync("/api/v1/me"), 200);

        var deactivated = await Send(scim, HttpMethod.Patch, $"/scim/v2/Users/{userId}",
            Patch(new JsonObject { ["op"] = "Replace", ["path"] = "active", ["value"] = "False" }), 200);
        ((bool)deactivated.Body["active"]!).Should().BeFalse();
        await ApiClient.ExpectProblem(await alice.Http.GetAsync("/api/v1/me"), 401);
        ((string)(await ApiClient.ExpectJson(await admin.Http.GetAsync($"/api/v1/users/{userId}"), 200))["status"]!).Should().Be("Disabled");

        // Okta's form: no path, an object of attributes.
        var reactivated = await Send(scim, HttpMethod.Patch, $"/scim/v2/Users/{userId}",
            Patch(new JsonObject { ["op"] = "replace", ["value"] = new JsonObject { ["active"] = true, ["displayName"] = "Alice E." } }), 200);
        ((bool)reactivated.Body["active"]!).Should().BeTrue();
        ((string)reactivated.Body["displayName"]!).Should().Be("Alice E.");
        await Send(scim, HttpMethod.Patch, $"/scim/v2/Users/{userId}",
            Patch(new JsonObject { ["op"] = "replace", ["value"] = new JsonObject { ["active"] = false } }), 200);
        ((string)(await ApiClient.ExpectJson(await admin.Http.GetAsync($"/api/v1/users/{userId}"), 200))["status"]!).Should().Be("Disabled");

        // PUT replaces attributes (Okta updates profiles this way).
        var replaced = await Send(scim, HttpMethod.Put, $"/scim/v2/Users/{userId}", new JsonObject
        {
            ["schemas"] = new JsonArray(UserSchema), ["userName"] = email, ["active"] = false,
            ["name"] = new JsonObject { ["givenName"] = "Alicia", ["familyName"] = "Example" },
        }, 200);
        ((string)replaced.Body["name"]!["givenName"]!).Should().Be("Alicia");
        replaced.Body.ContainsKey("externalId").Should().BeFalse("PUT replaces the user, and this body has no externalId");

        // 5. Membership removal by filter path, then deletion.
        await Send(scim, HttpMethod.Patch, $"/scim/v2/Groups/{groupId}",
            Patch(new JsonObject { ["op"] = "remove", ["path"] = $"members[value eq \"{userId}\"]" }), 200);
        (await Expect(await scim.GetAsync($"/scim/v2/Groups/{groupId}"), 200))["members"]!.AsArray().Should().BeEmpty();
        (await scim.DeleteAsync($"/scim/v2/Users/{userId}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await scim.DeleteAsync($"/scim/v2/Groups/{groupId}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        var gone = await Expect(await scim.GetAsync($"/scim/v2/Users/{userId}"), 404);
        gone["schemas"]!.AsArray().Select(s => (string)s!).Should().Equal("urn:ietf:params:scim:api:messages:2.0:Error");
        ((string)gone["status"]!).Should().Be("404");
        await Expect(await scim.GetAsync($"/scim/v2/Groups/{groupId}"), 404);
    }

    [Fact]
    public async Task Scim_answers_errors_and_pages_the_rfc_way_and_its_token_opens_nothing_else()
    {
        var tenant = await ControlPlane.CreateTenantAsync("scim-" + Guid.NewGuid().ToString("N")[..6]);
        using var admin = ControlPlane.Api(tenant);
        var token = (string)(await ApiClient.ExpectJson(await admin.Http.PostAsync("/api/v1/settings/scim/token", null), 200))["token"]!;
        using var scim = Scim(token);
        for (var i = 0; i < 3; i++)
        {
            await Send(scim, HttpMethod.Post, "/scim/v2/Users", new JsonObject { ["schemas"] = new JsonArray(UserSchema), ["userName"] = IamApi.UniqueEmail($"p{i}") }, 201);
        }

        var page = await Expect(await scim.GetAsync("/scim/v2/Users?startIndex=2&count=1"), 200);
        ((int)page["totalResults"]!).Should().Be(3);
        ((int)page["startIndex"]!).Should().Be(2);
        ((int)page["itemsPerPage"]!).Should().Be(1);
        page["Resources"]!.AsArray().Should().HaveCount(1);

        var badFilter = await Expect(await scim.GetAsync($"/scim/v2/Users?filter={Uri.EscapeDataString("userName co \"x\"")}"), 400);
        ((string)badFilter["scimType"]!).Should().Be("invalidFilter");
        var badOp = await Send(scim, HttpMethod.Patch, $"/scim/v2/Users/{(string)page["Resources"]![0]!["id"]!}",
            Patch(new JsonObject { ["op"] = "explode", ["path"] = "active" }), 400);
        ((string)badOp.Body["status"]!).Should().Be("400");
        var config = await Expect(await scim.GetAsync("/scim/v2/ServiceProviderConfig"), 200);
        ((bool)config["patch"]!["supported"]!).Should().BeTrue();
        ((bool)config["filter"]!["supported"]!).Should().BeTrue();

        // The SCIM token is for SCIM only; API tokens are not SCIM tokens; a rotated token stops working.
        using var scimOnApi = new ApiClient(ControlPlane.Url, token);
        await ApiClient.ExpectProblem(await scimOnApi.Http.GetAsync("/api/v1/users"), 403);
        using var apiOnScim = Scim(tenant.Token);
        await Expect(await apiOnScim.GetAsync("/scim/v2/Users"), 401);
        await ApiClient.ExpectJson(await admin.Http.PostAsync("/api/v1/settings/scim/token", null), 200);
        await Expect(await scim.GetAsync("/scim/v2/Users"), 401);
    }

    private HttpClient Scim(string token)
    {
        var client = new HttpClient { BaseAddress = new Uri(ControlPlane.Url) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static JsonObject Patch(JsonObject operation) => new()
    {
        ["schemas"] = new JsonArray(PatchOp),
        ["Operations"] = new JsonArray(operation),
    };

    private static async Task<(JsonObject Body, string Location)> Send(HttpClient client, HttpMethod method, string path, JsonObject body, int status)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/scim+json") };
        var response = await client.SendAsync(request);
        return (await Expect(response, status), response.Headers.Location?.ToString() ?? "");
    }

    private static async Task<JsonObject> Expect(HttpResponseMessage response, int status)
    {
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).Should().Be(status, "the response was: {0}", text);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/scim+json");
        return JsonNode.Parse(text)!.AsObject();
    }
}
