using System.Text.Json.Nodes;
using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Argy.ControlPlane.Tests.Audit.Coverage;

/// <summary>One control plane for the whole route table: rows run one after another in this class.</summary>
public sealed class CoverageControlPlane : IAsyncLifetime
{
    public TestControlPlane ControlPlane { get; private set; } = null!;

    public AuditProbe Probe { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        ControlPlane = await TestControlPlane.StartAsync();
        Probe = new AuditProbe(ControlPlane);
    }

    public async Task DisposeAsync() => await ControlPlane.DisposeAsync();
}

/// <summary>Every request that changes state leaves exactly one audit record, naming who did what to which resource, from where.</summary>
public sealed class AuditCoverageTests(CoverageControlPlane fixture) : IClassFixture<CoverageControlPlane>
{
    public static TheoryData<string> Routes()
    {
        var data = new TheoryData<string>();
        foreach (var route in AuditRouteTable.All)
        {
            data.Add(route.Key);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task A_successful_request_writes_exactly_one_audit_record_with_actor_resource_and_origin(string key)
    {
        var route = AuditRouteTable.All.Single(r => r.Key == key);
        var probe = fixture.Probe;
        var arranged = await route.Arrange(probe);
        var correlation = "cov-" + Guid.NewGuid().ToString("N");
        var before = probe.LastSeq();

        using var response = await probe.SendAsync(arranged.Request, correlation);
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).Should().BeInRange(200, 299, "{0} must succeed for this test; it answered {1}", key, text);

        // Changes are recorded in their own transaction: the record is there when the answer is.
        var records = probe.RecordsAfter(before);
        if (route.Action is null)
        {
            records.Should().BeEmpty("{0} changes nothing", key);
            return;
        }

        records.Should().ContainSingle("{0} is one change: {1}", key, string.Join(", ", records.Select(r => r.Action)));
        var record = records[0];
        record.Action.Should().Be(route.Action);
        record.ResourceType.Should().Be(route.ResourceType);
        record.Outcome.Should().Be(AuditOutcome.Success);
        record.CorrelationId.Should().Be(correlation);
        record.SourceIp.Should().BeOneOf("127.0.0.1", "::ffff:127.0.0.1");
        record.UserAgent.Should().Be(AuditProbe.UserAgent);
        record.ActorType.Should().Be(arranged.Expect.ActorType);
        if (arranged.Expect.ActorId is not null)
        {
            record.Actor.Should().Be(arranged.Expect.ActorId);
        }

        var expectedId = arranged.Expect.ResourceIdFromResponse is { } read
            ? read(text.Length == 0 ? null : JsonNode.Parse(text))
            : arranged.Expect.ResourceId;
        if (expectedId == Expected.AnyId)
        {
            record.ResourceId.Should().NotBeNullOrEmpty();
        }
        else
        {
            record.ResourceId.Should().Be(expectedId);
        }

        record.TenantId.Should().Be(route.Template.StartsWith("/oauth/device_authorization", StringComparison.Ordinal) ? null : fixture.ControlPlane.TenantId);
        record.Hash.Should().NotBeNull();
        record.At.Should().Be(Argy.ControlPlane.Storage.UnixMs.From(fixture.ControlPlane.Time.GetUtcNow()), "records carry the control plane's clock in UTC milliseconds");
    }

    [Fact]
    public void Every_state_changing_route_of_the_application_has_a_row_in_the_audit_table()
    {
        var sources = fixture.ControlPlane.Services.GetRequiredService<EndpointDataSource>();
        var mutating = sources.Endpoints.OfType<RouteEndpoint>()
            .Where(e => !e.Metadata.Any(m => m.GetType().Name.StartsWith("Grpc", StringComparison.Ordinal)))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])
                .Where(m => m is "POST" or "PUT" or "PATCH" or "DELETE")
                .Select(m => AuditRouteTable.Key(m, e.RoutePattern.RawText ?? "")))
            .Where(k => !k.Contains("unimplemented", StringComparison.OrdinalIgnoreCase))
            .Distinct()
            .ToList();

        mutating.Should().HaveCountGreaterThan(40, "the application's routes were found");
        var known = AuditRouteTable.All.Select(r => r.Key).Concat(AuditRouteTable.WrittenElsewhere.Keys).ToHashSet();
        mutating.Where(k => !known.Contains(k)).Should().BeEmpty("every route that changes state needs a row in AuditRouteTable (and an audit record)");
        known.Where(k => !mutating.Contains(k)).Should().BeEmpty("rows of routes that no longer exist should go");
        AuditRouteTable.All.Select(r => r.Key).Should().OnlyHaveUniqueItems();
    }
}
