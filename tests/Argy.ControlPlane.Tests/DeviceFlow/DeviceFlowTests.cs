global using JsonObjectAlias = System.Text.Json.Nodes.JsonObject;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Tests.Support;
using Argy.Protocol.V1;

namespace Argy.ControlPlane.Tests.DeviceFlow;

/// <summary>RFC 8628 on real HTTP, the clock driven by the test.</summary>
public sealed partial class DeviceFlowTests : IAsyncLifetime
{
    private TestControlPlane _controlPlane = null!;
    private OAuthClient _device = null!;

    public async Task InitializeAsync()
    {
        _controlPlane = await TestControlPlane.StartAsync();
        _device = new OAuthClient(_controlPlane.Http());
    }

    public async Task DisposeAsync() => await _controlPlane.DisposeAsync();

    private Task<JsonObjectAlias> Authorize(string clientId = "argy-agent") =>
        _device.AuthorizeAsync(clientId, ("scope", clientId == "argy-agent" ? "agent" : "api"), ("hostname", "web-07"), ("os", "linux"), ("arch", "x64"),
            ("version", "0.1.0"), ("name", "web-07"), ("tags", "linux,prod"));

    [Fact]
    public async Task The_device_authorization_response_has_the_rfc_fields()
    {
        var (status, body, response) = await _device.PostAsync("/oauth/device_authorization", ("client_id", "argy-agent"));

        status.Should().Be(200);
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
        ((string)body["user_code"]!).Should().MatchRegex("^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$");
        ((string)body["device_code"]!).Length.Should().BeGreaterThanOrEqualTo(43);
        ((string)body["verification_uri"]!).Should().Be(new Uri(_controlPlane.HttpUrl, "/device").ToString());
        ((string)body["verification_uri_complete"]!).Should().Be($"{body["verification_uri"]}?user_code={body["user_code"]}");
        ((int)body["expires_in"]!).Should().Be(600);
        ((int)body["interval"]!).Should().Be(5);
    }

    [Fact]
    public async Task Polling_too_fast_answers_slow_down_and_each_one_adds_5_seconds()
    {
        var authorization = await Authorize();

        OAuthClient.ShouldBeError(await _device.PollAsync(authorization), "authorization_pending");
        OAuthClient.ShouldBeError(await _device.PollAsync(authorization), "slow_down");
        _controlPlane.Time.Advance(TimeSpan.FromSeconds(5));
        OAuthClient.ShouldBeError(await _device.PollAsync(authorization), "slow_down", 400);
        _controlPlane.Time.Advance(TimeSpan.FromSeconds(15));
        OAuthClient.ShouldBeError(await _device.PollAsync(authorization), "authorization_pending");
        _controlPlane.Time.Advance(TimeSpan.FromSeconds(14));
        OAuthClient.ShouldBeError(await _device.PollAsync(authorization), "slow_down");
        _controlPlane.Time.Advance(TimeSpan.FromSeconds(20));
        OAuthClient.ShouldBeError(await _device.PollAsync(authorization), "authorization_pending");
    }

    [Fact]
    public async Task An_approved_agent_request_yields_its_credential_once_and_the_agent_connects()
    {
        var authorization = await Authorize();
        var typed = ((string)authorization["user_code"]!).Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();

        var approved = await TestControlPlane.Json(await OAuthClient.ApproveAsync(_controlPlane.Admin(), typed, "web-07-prod", ["linux", "prod"]), 200);
        var (status, token) = await _device.PollAsync(authorization);
        var again = await _device.PollAsync(authorization);

        status.Should().Be(200, token.ToJsonString());
        ((string)token["token_type"]!).Should().Be("HMAC");
        ((string)token["auth_mode"]!).Should().Be("hmac");
        ((string)token["agent_id"]!).Should().Be((string)approved["agentId"]!);
        ((string)token["tenant_id"]!).Should().Be(_controlPlane.TenantId);
        ((string)token["grpc_url"]!).Should().Be(_controlPlane.GrpcUrl.ToString().TrimEnd('/'));
        OAuthClient.ShouldBeError(again, "invalid_grant");

        var agent = new EnrolledAgent((string)token["agent_id"]!, (string)token["tenant_id"]!, (string)token["access_token"]!, "hmac", (string)token["key_id"]!);
        var welcome = await new GatewayClient(new AgentGateway.AgentGatewayClient(_controlPlane.Channel()), agent, _controlPlane.Time).ConnectAsync();
        welcome.AgentName.Should().Be("web-07-prod");
        welcome.Tags.Should().BeEquivalentTo("linux", "prod");
        var listed = await TestControlPlane.Json(await _controlPlane.Admin().GetAsync($"/api/v1/agents/{agent.AgentId}"), 200);
        ((string)listed["hostname"]!).Should().Be("host-1", "Hello's report replaces the one from the device request");
        (await AuditEvents.WaitForAsync(_controlPlane, "device.approved")).Should().ContainSingle();
        (await AuditEvents.WaitForAsync(_controlPlane, "agent.enrolled")).Should().ContainSingle();
    }

    [Fact]
    public async Task A_denied_request_answers_access_denied()
    {
        var authorization = await Authorize();

        await TestControlPlane.Json(await _controlPlane.Admin().PostAsJsonAsync("/api/v1/device/deny", new { userCode = (string)authorization["user_code"]! }), 200);

        OAuthClient.ShouldBeError(await _device.PollAsync(authorization), "access_denied");
    }

    [Fact]
    public async Task A_code_expires_after_ten_minutes_and_can_no_longer_be_approved()
    {
        var authorization = await Authorize();
        _controlPlane.Time.Advance(TimeSpan.FromMinutes(10));

        OAuthClient.ShouldBeError(await _device.PollAsync(authorization), "expired_token");
        var late = await OAuthClient.ApproveAsync(_controlPlane.Admin(), (string)authorization["user_code"]!);
        ((int)late.StatusCode).Should().Be(404);
    }

    [Fact]
    public async Task An_approved_code_that_expires_before_it_is_exchanged_is_expired()
    {
        var authorization = await Authorize();
        await TestControlPlane.Json(await OAuthClient.ApproveAsync(_controlPlane.Admin(), (string)authorization["user_code"]!), 200);
        _controlPlane.Time.Advance(TimeSpan.FromMinutes(10));

        OAuthClient.ShouldBeError(await _device.PollAsync(authorization), "expired_token");
    }

    [Fact]
    public async Task Token_requests_get_the_rfc_error_codes()
    {
        var cli = await _device.AuthorizeAsync("argy-cli");
        string Code(JsonObjectAlias a) => (string)a["device_code"]!;

        OAuthClient.ShouldBeError(Strip(await _device.PostAsync("/oauth/token", ("device_code", Code(cli)), ("client_id", "argy-cli"))), "invalid_request");
        OAuthClient.ShouldBeError(Strip(await _device.PostAsync("/oauth/token", ("grant_type", "password"), ("client_id", "argy-cli"))), "unsupported_grant_type");
        OAuthClient.ShouldBeError(Strip(await _device.PostAsync("/oauth/token", ("grant_type", OAuthClient.DeviceGrant), ("device_code", Code(cli)))), "invalid_client");
        OAuthClient.ShouldBeError(Strip(await _device.PostAsync("/oauth/token", ("grant_type", OAuthClient.DeviceGrant), ("device_code", Code(cli)), ("client_id", "curl"))), "invalid_client");
        OAuthClient.ShouldBeError(await _device.PollAsync(cli, "argy-agent"), "invalid_grant");
        OAuthClient.ShouldBeError(Strip(await _device.PostAsync("/oauth/token", ("grant_type", OAuthClient.DeviceGrant), ("device_code", "nope"), ("client_id", "argy-cli"))), "invalid_grant");
        OAuthClient.ShouldBeError(Strip(await _device.PostAsync("/oauth/token",
            ("grant_type", OAuthClient.DeviceGrant), ("device_code", Code(cli)), ("device_code", Code(cli)), ("client_id", "argy-cli"))), "invalid_request");
    }

    [Fact]
    public async Task Device_authorization_requests_get_the_rfc_error_codes()
    {
        OAuthClient.ShouldBeError(Strip(await _device.PostAsync("/oauth/device_authorization", ("client_id", "someone"))), "invalid_client");
        OAuthClient.ShouldBeError(Strip(await _device.PostAsync("/oauth/device_authorization", ("client_id", "argy-agent"), ("scope", "admin"))), "invalid_scope");
        OAuthClient.ShouldBeError(Strip(await _device.PostAsync("/oauth/device_authorization", ("client_id", "argy-agent"), ("hostname", "evil\u001b[2J"))), "invalid_request");
        var json = await _controlPlane.Http().PostAsJsonAsync("/oauth/device_authorization", new { client_id = "argy-agent" });
        ((int)json.StatusCode).Should().Be(400);
        (await json.Content.ReadAsStringAsync()).Should().Contain("\"error\":\"invalid_request\"");
    }

    [Fact]
    public async Task A_wrong_user_code_is_not_found_and_audited()
    {
        var response = await OAuthClient.ApproveAsync(_controlPlane.Admin(), "BCDF-GHJK");

        ((int)response.StatusCode).Should().Be(404);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await AuditEvents.WaitForAsync(_controlPlane, "device.user_code.rejected")).Should().NotBeEmpty();
    }

    [Theory]
    [InlineData(Roles.Viewer)]
    [InlineData(Roles.User)]
    [InlineData(Roles.Approver)]
    public async Task A_role_without_agents_approve_cannot_approve_an_agent(string role)
    {
        var authorization = await Authorize();

        var response = await OAuthClient.ApproveAsync(_controlPlane.Http(_controlPlane.Token(role)), (string)authorization["user_code"]!);

        ((int)response.StatusCode).Should().Be(403);
        OAuthClient.ShouldBeError(await _device.PollAsync(authorization), "authorization_pending");
    }

    [Fact]
    public async Task A_platform_engineer_can_approve_an_agent()
    {
        var authorization = await Authorize();

        var response = await OAuthClient.ApproveAsync(_controlPlane.Http(_controlPlane.Token(Roles.PlatformEngineer)), (string)authorization["user_code"]!);

        ((int)response.StatusCode).Should().Be(200);
    }

    [Fact]
    public async Task A_cli_login_gets_a_token_with_the_approvers_role_and_no_more()
    {
        var authorization = await Authorize("argy-cli");
        await TestControlPlane.Json(await OAuthClient.ApproveAsync(_controlPlane.Http(_controlPlane.Token(Roles.Viewer)), (string)authorization["user_code"]!), 200);

        var (status, token) = await _device.PollAsync(authorization, "argy-cli");

        status.Should().Be(200, token.ToJsonString());
        ((string)token["token_type"]!).Should().Be("Bearer");
        ((string)token["role"]!).Should().Be(Roles.Viewer);
        ((int)token["expires_in"]!).Should().Be(12 * 3600);
        var loggedIn = _controlPlane.Http((string)token["access_token"]!);
        ((int)(await loggedIn.GetAsync("/api/v1/agents")).StatusCode).Should().Be(200);
        ((int)(await loggedIn.PostAsJsonAsync("/api/v1/agents", new { name = "x" })).StatusCode).Should().Be(403);
    }

    [Fact]
    public async Task The_approver_sees_client_device_and_source_ip_and_the_list_hides_codes()
    {
        var authorization = await Authorize();

        var shown = await TestControlPlane.Json(await _controlPlane.Admin().GetAsync($"/api/v1/device/requests/{authorization["user_code"]}"), 200);
        var list = await TestControlPlane.Json(await _controlPlane.Admin().GetAsync("/api/v1/device/requests"), 200);
        var viewerList = await _controlPlane.Http(_controlPlane.Token(Roles.Viewer)).GetAsync("/api/v1/device/requests");

        ((string)shown["clientId"]!).Should().Be("argy-agent");
        ((string)shown["client"]!).Should().Be("Argy agent enrollment");
        ((string)shown["hostname"]!).Should().Be("web-07");
        ((string)shown["version"]!).Should().Be("0.1.0");
        ((string)shown["sourceIp"]!).Should().Be("127.0.0.1");
        ((string)shown["requestedName"]!).Should().Be("web-07");
        shown["requestedTags"]!.AsArray().Select(t => (string)t!).Should().Equal("linux", "prod");
        ((string)shown["status"]!).Should().Be("Pending", "looking a request up decides nothing");
        var item = list["items"]!.AsArray().Single()!.AsObject();
        item["userCode"].Should().BeNull();
        ((string)item["hostname"]!).Should().Be("web-07");
        ((int)viewerList.StatusCode).Should().Be(403);
    }

    [Fact]
    public async Task Too_many_pending_requests_from_one_address_are_refused()
    {
        await using var controlPlane = await TestControlPlane.StartAsync(new Dictionary<string, string?> { ["Argy:DeviceFlow:MaxPendingPerIp"] = "2" });
        var device = new OAuthClient(controlPlane.Http());
        await device.AuthorizeAsync();
        await device.AuthorizeAsync();

        var third = await device.PostAsync("/oauth/device_authorization", ("client_id", "argy-agent"));

        OAuthClient.ShouldBeError((third.Status, third.Body), "temporarily_unavailable", 429);
    }

    private static (int, JsonObjectAlias) Strip((int Status, JsonObjectAlias Body, HttpResponseMessage Response) answer) => (answer.Status, answer.Body);
}
