using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tests.Support;
using Argy.Protocol.Signing;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Argy.ControlPlane.Tests.Delivery;

public sealed class SinkApiTests
{
    [Fact]
    public async Task Create_update_delete_each_write_one_audit_record_and_the_secret_is_shown_only_once()
    {
        await using var controlPlane = await TestControlPlane.StartAsync();
        var admin = controlPlane.Admin();

        var created = await TestControlPlane.Json(await admin.PostAsJsonAsync("/api/v1/delivery/sinks",
            new { kind = "siem", name = "soc", url = "https://siem.example/in", format = "cef", events = new[] { "deployment.*", "agent.revoked" } }), 201);
        var id = (string)created["sink"]!["id"]!;
        ((string)created["secret"]!).Should().StartWith("whsec_").And.HaveLength(49);
        var fetched = await TestControlPlane.Json(await admin.GetAsync($"/api/v1/delivery/sinks/{id}"), 200);
        fetched.ToJsonString().Should().NotContain((string)created["secret"]!).And.NotContain("secret");
        ((string)fetched["format"]!).Should().Be("cef");
        ((long)fetched["pending"]!).Should().Be(0);

        var updated = await TestControlPlane.Json(await admin.PatchAsJsonAsync($"/api/v1/delivery/sinks/{id}", new { enabled = false, events = Array.Empty<string>() }), 200);
        ((bool)updated["enabled"]!).Should().BeFalse();
        updated["events"]!.AsArray().Should().BeEmpty();
        await TestControlPlane.Json(await admin.PatchAsJsonAsync($"/api/v1/delivery/sinks/{id}", new { url = "gopher://x" }), 400);
        await TestControlPlane.Json(await admin.PatchAsJsonAsync($"/api/v1/delivery/sinks/{id}", new { recipients = new[] { "a@example.com" } }), 400);

        (await admin.DeleteAsync($"/api/v1/delivery/sinks/{id}")).StatusCode.Should().Be(System.Net.HttpStatusCode.NoContent);
        await TestControlPlane.Json(await admin.GetAsync($"/api/v1/delivery/sinks/{id}"), 404);
        (await admin.DeleteAsync($"/api/v1/delivery/sinks/{id}")).StatusCode.Should().Be(System.Net.HttpStatusCode.NotFound);

        ActionsOf(controlPlane, null, id).Should().Equal("delivery.sink.created", "delivery.sink.updated", "delivery.sink.deleted");
    }

    [Fact]
    public async Task Only_admins_manage_sinks_and_tenants_do_not_see_each_others()
    {
        await using var controlPlane = await TestControlPlane.StartAsync();
        var created = await TestControlPlane.Json(await controlPlane.Admin().PostAsJsonAsync("/api/v1/delivery/sinks",
            new { kind = "email", recipients = new[] { "ops@example.com" } }), 201);
        var id = (string)created["sink"]!["id"]!;
        created["secret"].Should().BeNull("an email sink signs nothing");

        var engineer = controlPlane.Http(controlPlane.Token(Roles.PlatformEngineer));
        (await engineer.GetAsync("/api/v1/delivery/sinks")).StatusCode.Should().Be(System.Net.HttpStatusCode.Forbidden);
        (await engineer.PostAsJsonAsync("/api/v1/delivery/sinks", new { kind = "siem", url = "https://evil.example" })).StatusCode.Should().Be(System.Net.HttpStatusCode.Forbidden);

        var otherAdmin = controlPlane.Http(controlPlane.Services.GetRequiredService<Hosting.Bootstrapper>().CreateTenant("other")!.Token);
        await TestControlPlane.Json(await otherAdmin.GetAsync($"/api/v1/delivery/sinks/{id}"), 404);
        (await otherAdmin.DeleteAsync($"/api/v1/delivery/sinks/{id}")).StatusCode.Should().Be(System.Net.HttpStatusCode.NotFound);
        (await TestControlPlane.Json(await otherAdmin.GetAsync("/api/v1/delivery/sinks"), 200))["items"]!.AsArray().Should().BeEmpty();
    }

    [Fact]
    public async Task The_test_call_sends_a_signed_delivery_test_event_and_reports_what_the_receiver_answered()
    {
        await using var host = await DeliveryHost.StartAsync();
        await using var receiver = new WebhookReceiver(host.ControlPlane.Time);
        var admin = host.ControlPlane.Admin();
        var (id, _, _) = await host.CreateSinkAsync(new { kind = "webhook", url = receiver.Url }, receiver);

        var down = await TestControlPlane.Json(await admin.PostAsync($"/api/v1/delivery/sinks/{id}/test", null), 200);
        ((bool)down["delivered"]!).Should().BeFalse();
        down["status"].Should().BeNull();
        ((string)down["error"]!).Should().Contain("could not be reached");

        await receiver.StartAsync();
        var ok = await TestControlPlane.Json(await admin.PostAsync($"/api/v1/delivery/sinks/{id}/test", null), 200);
        ((bool)ok["delivered"]!).Should().BeTrue();
        ((int)ok["status"]!).Should().Be(200);
        var delivery = receiver.Requests.Single();
        delivery.Check.Should().Be(SignatureCheck.Valid);
        delivery.EventId.Should().Be((string)ok["eventId"]!).And.StartWith("evt_test_");
        ((string)JsonNode.Parse(delivery.Body)!["action"]!).Should().Be("delivery.test");

        receiver.Status = 418;
        var refused = await TestControlPlane.Json(await admin.PostAsync($"/api/v1/delivery/sinks/{id}/test", null), 200);
        ((bool)refused["delivered"]!).Should().BeFalse();
        ((int)refused["status"]!).Should().Be(418);

        ActionsOf(host.ControlPlane, "delivery.sink.tested").Should().HaveCount(3);
    }

    internal static List<string> ActionsOf(TestControlPlane controlPlane, string? action, string? resourceId = null)
    {
        using var connection = controlPlane.Services.GetRequiredService<Database>().Open();
        return connection.Query<string>(
            "SELECT action FROM audit_events WHERE tenant_id = @TenantId AND (@action IS NULL OR action = @action) AND (@resourceId IS NULL OR resource_id = @resourceId) ORDER BY seq",
            new { controlPlane.TenantId, action, resourceId }).AsList();
    }
}

/// <summary>One control plane for the bad-input cases: none of them may create anything.</summary>
public sealed class SinkValidationTests(SinkValidationTests.Host fixture) : IClassFixture<SinkValidationTests.Host>
{
    public static TheoryData<string, string> BadRequests => new()
    {
        { """{"kind":"syslog","url":"https://siem.example/in"}""", "kind" },
        { """{"kind":"siem","url":"ftp://siem.example/in"}""", "url" },
        { """{"kind":"siem","url":"/relative/path"}""", "url" },
        { """{"kind":"siem","url":"https://user:pw@siem.example/in"}""", "url" },
        { """{"kind":"siem"}""", "url" },
        { """{"kind":"siem","url":"https://siem.example/in","format":"leef"}""", "format" },
        { """{"kind":"webhook","url":"https://hooks.example/in","format":"cef"}""", "format" },
        { """{"kind":"siem","url":"https://siem.example/in","events":["Deployment Failed"]}""", "events" },
        { """{"kind":"siem","url":"https://siem.example/in","events":["*.failed"]}""", "events" },
        { """{"kind":"email"}""", "recipients" },
        { """{"kind":"email","recipients":[]}""", "recipients" },
        { """{"kind":"email","recipients":["not-an-address"]}""", "recipients" },
        { """{"kind":"email","recipients":["a@example.com, b@example.com"]}""", "recipients" },
        { """{"kind":"email","recipients":["ops@example.com"],"url":"https://x.example"}""", "url" },
        { """{"kind":"webhook","url":"https://hooks.example/in","recipients":["ops@example.com"]}""", "recipients" },
        { """{"kind":"siem","url":"https://siem.example/in","name":"bad\nname"}""", "name" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_input_is_a_400_naming_the_field_and_creates_nothing(string body, string field)
    {
        var controlPlane = fixture.ControlPlane;
        var admin = controlPlane.Admin();

        var response = await admin.PostAsync("/api/v1/delivery/sinks", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        var problem = await TestControlPlane.Json(response, 400);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        problem["errors"]!.AsObject().Select(e => e.Key).Should().Contain(field);
        var list = await TestControlPlane.Json(await admin.GetAsync("/api/v1/delivery/sinks"), 200);
        list["items"]!.AsArray().Should().BeEmpty();
        SinkApiTests.ActionsOf(controlPlane, "delivery.sink.created").Should().BeEmpty();
    }

    public sealed class Host : IAsyncLifetime
    {
        public TestControlPlane ControlPlane { get; private set; } = null!;

        public async Task InitializeAsync() => ControlPlane = await TestControlPlane.StartAsync();

        public async Task DisposeAsync() => await ControlPlane.DisposeAsync();
    }
}
