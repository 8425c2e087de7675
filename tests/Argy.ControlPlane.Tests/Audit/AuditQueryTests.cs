using System.Globalization;
using System.Text.Json.Nodes;
using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Hosting;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tests.Support;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Argy.ControlPlane.Tests.Audit;

/// <summary>One control plane with five records spread over 30 days, shared by the query tests (they only read).</summary>
public sealed class AuditQueryFixture : IAsyncLifetime
{
    public TestControlPlane Cp { get; private set; } = null!;

    public DateTimeOffset T0 { get; private set; }

    /// <summary>The five records' seqs, at index 1 to 5.</summary>
    public long[] Seq { get; private set; } = [];

    /// <summary>Whatever starting the control plane recorded (its bootstrap token, say), newest first.</summary>
    public List<long> Earlier { get; private set; } = [];

    public string ViewerToken { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Cp = await TestControlPlane.StartAsync();
        T0 = Cp.Time.GetUtcNow();
        // Created before the records: creating a token may itself be recorded.
        ViewerToken = Cp.Token(Roles.Viewer);
        using (var connection = Cp.Services.GetRequiredService<Database>().Open())
        {
            Earlier = connection.Query<long>("SELECT seq FROM audit_events WHERE tenant_id = @t ORDER BY seq DESC", new { t = Cp.TenantId }).AsList();
        }

        var a = new AuditActor(AuditActorType.User, "usr_a");
        var b = new AuditActor(AuditActorType.User, "usr_b");
        var r1 = Cp.Append(new AuditEntry("product.created", "product", "prd_1", Detail: "Product web created"), actor: a);
        Cp.Time.Advance(TimeSpan.FromDays(10));
        var r2 = Cp.Append(new AuditEntry("team.created", "team", "tm_1", AuditOutcome.Denied, "Quota reached"), actor: b);
        Cp.Time.Advance(TimeSpan.FromDays(15));
        var r3 = Cp.Append(new AuditEntry("product.deleted", "product", "prd_1"), actor: a);
        Cp.Time.Advance(TimeSpan.FromDays(4.5));
        var r4 = Cp.Append(new AuditEntry("product.created", "product", "prd_2", Data: new Dictionary<string, string?> { ["name"] = "api" }), actor: b);
        Cp.Time.Advance(TimeSpan.FromHours(2));
        var r5 = Cp.Append(new AuditEntry("deployment.submitted", "deployment", "dep_1", AuditOutcome.Failure), actor: new AuditActor(AuditActorType.Token, "tok_1"));
        Seq = [0, r1.Seq, r2.Seq, r3.Seq, r4.Seq, r5.Seq];

        // Another tenant's records never show.
        var other = Cp.Services.GetRequiredService<Bootstrapper>().CreateTenant("other")!;
        Cp.Append(new AuditEntry("product.created", "product", "prd_9"), other.TenantId, a);
    }

    public async Task DisposeAsync() => await Cp.DisposeAsync();
}

public sealed class AuditQueryTests(AuditQueryFixture fixture) : IClassFixture<AuditQueryFixture>
{
    private readonly TestControlPlane _cp = fixture.Cp;
    private readonly DateTimeOffset _t0 = fixture.T0;
    private readonly long[] _seq = fixture.Seq;
    private readonly List<long> _earlier = fixture.Earlier;

    [Theory]
    [InlineData("", new[] { 5, 4, 3, 2, 1 }, true)]
    [InlineData("period=24h", new[] { 5, 4 }, false)]
    [InlineData("period=7d", new[] { 5, 4, 3 }, false)]
    [InlineData("period=30d", new[] { 5, 4, 3, 2, 1 }, true)]
    [InlineData("actor=usr_a", new[] { 3, 1 }, false)]
    [InlineData("action=product.created", new[] { 4, 1 }, false)]
    [InlineData("action=product.*", new[] { 4, 3, 1 }, false)]
    [InlineData("resourceType=product&resourceId=prd_1", new[] { 3, 1 }, false)]
    [InlineData("outcome=denied", new[] { 2 }, false)]
    [InlineData("period=7d&actor=usr_b&action=product.*", new[] { 4 }, false)]
    public async Task The_list_filters_by_period_actor_action_resource_and_outcome_newest_first(string query, int[] expected, bool withEarlier)
    {
        var body = await TestControlPlane.Json(await _cp.Admin().GetAsync("/api/v1/audit-events?" + query), 200);

        Seqs(body).Should().Equal(expected.Select(i => _seq[i]).Concat(withEarlier ? _earlier : []));
        body["nextCursor"].Should().BeNull();
    }

    [Fact]
    public async Task A_custom_period_takes_from_inclusive_and_to_exclusive()
    {
        var from = Iso(_t0 + TimeSpan.FromDays(10));
        var to = Iso(_t0 + TimeSpan.FromDays(25));

        var body = await TestControlPlane.Json(await _cp.Admin().GetAsync($"/api/v1/audit-events?period=custom&from={from}&to={to}"), 200);
        var open = await TestControlPlane.Json(await _cp.Admin().GetAsync($"/api/v1/audit-events?from={from}"), 200);

        Seqs(body).Should().Equal(_seq[2]);
        Seqs(open).Should().Equal(_seq[5], _seq[4], _seq[3], _seq[2]);
    }

    [Fact]
    public async Task Pages_follow_the_cursor_until_there_is_none()
    {
        var seen = new List<long>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var body = await TestControlPlane.Json(
                await _cp.Admin().GetAsync("/api/v1/audit-events?limit=2" + (cursor is null ? "" : "&cursor=" + cursor)), 200);
            seen.AddRange(Seqs(body));
            cursor = (string?)body["nextCursor"];
            pages++;
        }
        while (cursor is not null && pages < 10);

        pages.Should().Be((5 + _earlier.Count + 1) / 2);
        seen.Should().Equal(new[] { _seq[5], _seq[4], _seq[3], _seq[2], _seq[1] }.Concat(_earlier));
    }

    [Fact]
    public async Task Items_carry_every_field_of_the_record()
    {
        var body = await TestControlPlane.Json(await _cp.Admin().GetAsync("/api/v1/audit-events?resourceId=prd_2"), 200);

        var item = body["items"]!.AsArray().Single()!.AsObject();
        ((string)item["tenantId"]!).Should().Be(_cp.TenantId);
        ((string)item["actorType"]!).Should().Be("user");
        ((string)item["actor"]!).Should().Be("usr_b");
        ((string)item["action"]!).Should().Be("product.created");
        ((string)item["outcome"]!).Should().Be("success");
        ((string)item["resourceType"]!).Should().Be("product");
        ((string)item["data"]!["name"]!).Should().Be("api");
        ((string)item["hash"]!).Should().HaveLength(64);
        ((string)item["prevHash"]!).Should().HaveLength(64);
        DateTimeOffset.Parse((string)item["at"]!, CultureInfo.InvariantCulture).Should().Be(_t0 + TimeSpan.FromDays(29.5));
        foreach (var field in new[] { "orgId", "subject", "sourceIp", "userAgent", "correlationId", "detail", "content", "contentKeyId" })
        {
            item.ContainsKey(field).Should().BeTrue(field);
        }
    }

    [Theory]
    [InlineData("period=1y", "period")]
    [InlineData("period=7d&from=2025-01-01T00:00:00Z", "period")]
    [InlineData("period=custom", "period")]
    [InlineData("from=yesterday", "from")]
    [InlineData("from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z", "to")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("cursor=abc", "cursor")]
    [InlineData("outcome=maybe", "outcome")]
    [InlineData("action=*.created", "action")]
    public async Task Bad_filters_are_refused_naming_the_field(string query, string field)
    {
        var body = await TestControlPlane.Json(await _cp.Admin().GetAsync("/api/v1/audit-events?" + query), 400);

        body["errors"]!.AsObject().ContainsKey(field).Should().BeTrue(body.ToJsonString());
    }

    [Fact]
    public async Task Reading_the_trail_needs_the_audit_read_permission()
    {
        var viewer = _cp.Http(fixture.ViewerToken);

        ((int)(await viewer.GetAsync("/api/v1/audit-events")).StatusCode).Should().Be(403);
        ((int)(await viewer.GetAsync("/api/v1/audit-events/export")).StatusCode).Should().Be(403);
        ((int)(await _cp.Http().GetAsync("/api/v1/audit-events")).StatusCode).Should().Be(401);
    }

    private static List<long> Seqs(JsonObject body) => body["items"]!.AsArray().Select(i => (long)i!["seq"]!).ToList();

    private static string Iso(DateTimeOffset time) => Uri.EscapeDataString(time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
}
