using System.Text.Json.Nodes;
using Argy.Cli.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Argy.Cli.Tests.Approvals;

/// <summary><c>argy approvals</c> and <c>argy quotas</c> against a small fake of their endpoints.</summary>
public sealed class ApprovalsCommandsTests : IAsyncLifetime
{
    private FakeApi _api = null!;

    public async Task InitializeAsync() => _api = await FakeApi.StartAsync(app =>
    {
        app.MapGet("/api/v1/approvals", () => Results.Json(new
        {
            items = new[] { Run("run_0001", "PendingApproval", ["env:prod"]) },
        }));
        app.MapPost("/api/v1/deployments/{id}/approve", (string id) => id == "run_mine"
            ? Results.Problem(title: "Forbidden", detail: "You requested run run_mine, so you may not approve it: another approver must decide.", statusCode: 403)
            : Results.Json(Run(id, "Queued", [])));
        app.MapPost("/api/v1/deployments/{id}/reject", (string id) => Results.Json(Run(id, "Rejected", [])));
        app.MapGet("/api/v1/quotas/deployments", () => Results.Json(new
        {
            tenant = new { scope = "tenant", orgId = (string?)null, deploymentsPerHour = 10, deploymentsPerDay = 100, usedLastHour = 3, usedLastDay = 42 },
            orgs = new[] { new { scope = "org", orgId = "org_1", deploymentsPerHour = (int?)null, deploymentsPerDay = 5, usedLastHour = 0, usedLastDay = 1 } },
        }));
        app.MapPut("/api/v1/quotas/deployments", async (HttpRequest r) => Results.Json(Quota(null, await JsonNode.ParseAsync(r.Body))));
        app.MapPut("/api/v1/quotas/deployments/orgs/{orgId}", async (string orgId, HttpRequest r) => Results.Json(Quota(orgId, await JsonNode.ParseAsync(r.Body))));
        app.MapPut("/api/v1/products/{id}/approval", (string id) => Results.Json(new { productId = id, product = "web", required = true, tags = new[] { "env:prod" } }));
    });

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Approvals_list_shows_the_waiting_runs_with_their_tags_and_requester()
    {
        var result = await RunAsync("approvals", "list");

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().Contain("RUN").And.Contain("REQUESTED BY");
        result.StdOut.Should().MatchRegex(@"run_0001\s+web\s+env:prod\s+tok_ci\s+10s ago");
    }

    [Fact]
    public async Task Approve_and_reject_send_the_comment_and_reject_requires_one()
    {
        var approved = await RunAsync("approvals", "approve", "run_0001", "--comment", "looks good");
        var rejected = await RunAsync("approvals", "reject", "run_0002", "--comment", "change freeze");
        var noComment = await RunAsync("approvals", "reject", "run_0003");

        approved.ExitCode.Should().Be(0, approved.StdErr);
        approved.StdOut.Should().Be("run run_0001 approved (status: Queued)\n");
        rejected.StdOut.Should().Be("run run_0002 rejected (status: Rejected)\n");
        noComment.ExitCode.Should().Be(2);
        noComment.StdErr.Should().Contain("--comment");
        _api.Requests.Where(r => r.Line.StartsWith("POST", StringComparison.Ordinal)).Select(r => $"{r.Line} {r.Json?["comment"]}")
            .Should().Equal("POST /api/v1/deployments/run_0001/approve looks good", "POST /api/v1/deployments/run_0002/reject change freeze");
    }

    [Fact]
    public async Task Approving_ones_own_run_fails_with_the_control_planes_reason_and_exit_77()
    {
        var result = await RunAsync("approvals", "approve", "run_mine");

        result.ExitCode.Should().Be(77);
        result.StdErr.Should().Be("error: You requested run run_mine, so you may not approve it: another approver must decide.\n");
    }

    [Fact]
    public async Task Quotas_show_lists_limits_and_use_and_set_keeps_the_limit_not_given()
    {
        var shown = await RunAsync("quotas", "show");
        var set = await RunAsync("quotas", "set", "--per-hour", "20");
        var org = await RunAsync("quotas", "set", "--org", "org_1", "--per-day", "none", "--per-hour", "3");
        var bad = await RunAsync("quotas", "set", "--per-hour", "lots");

        shown.ExitCode.Should().Be(0, shown.StdErr);
        shown.StdOut.Should().MatchRegex(@"tenant\s+10\s+3\s+100\s+42").And.MatchRegex(@"org org_1\s+none\s+0\s+5\s+1");
        set.StdOut.Should().Be("tenant: 20 per hour, 100 per day\n");
        org.StdOut.Should().Be("org org_1: 3 per hour, none per day\n");
        bad.ExitCode.Should().Be(2);
        var puts = _api.Requests.Where(r => r.Line.StartsWith("PUT", StringComparison.Ordinal)).ToList();
        puts.Select(p => p.Line).Should().Equal("PUT /api/v1/quotas/deployments", "PUT /api/v1/quotas/deployments/orgs/org_1");
        puts[0].Json!.ToJsonString().Should().Be("""{"deploymentsPerHour":20,"deploymentsPerDay":100}""");
        puts[1].Json!.ToJsonString().Should().Be("""{"deploymentsPerHour":3,"deploymentsPerDay":null}""");
    }

    [Fact]
    public async Task Approvals_require_sets_the_products_rule()
    {
        var result = await RunAsync("approvals", "require", "prd_1", "--tags", "env:prod");

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().Be("product web: deployments tagged env:prod need approval\n");
        var put = _api.Requests.Single(r => r.Line.StartsWith("PUT", StringComparison.Ordinal));
        put.Line.Should().Be("PUT /api/v1/products/prd_1/approval");
        put.Json!.ToJsonString().Should().Be("""{"required":true,"tags":["env:prod"]}""");
    }

    private Task<CliResult> RunAsync(params string[] args) => CliRunner.RunAsync(["--url", _api.Url, "--token", "t", .. args]);

    private static object Run(string id, string status, string[] tags) => new
    {
        runId = id,
        product = "web",
        status,
        tags,
        createdBy = "tok_ci",
        createdAt = CliRunner.Now.AddSeconds(-10),
    };

    private static object Quota(string? orgId, JsonNode? body) => new
    {
        scope = orgId is null ? "tenant" : "org",
        orgId,
        deploymentsPerHour = (int?)body?["deploymentsPerHour"],
        deploymentsPerDay = (int?)body?["deploymentsPerDay"],
        usedLastHour = 0,
        usedLastDay = 0,
    };
}
