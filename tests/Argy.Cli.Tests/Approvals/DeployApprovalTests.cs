using Argy.Cli.Deployments;
using Argy.Cli.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Argy.Cli.Tests.Approvals;

/// <summary><c>argy deploy</c> for a run that needs approval, and for a submission over a deployment quota.</summary>
public sealed class DeployApprovalTests
{
    public DeployApprovalTests() => ApprovalWait.PollInterval = TimeSpan.FromMilliseconds(20);

    [Fact]
    public async Task Deploy_waits_through_approval_says_who_approved_and_then_streams_the_run()
    {
        await using var server = await FakeControlPlane.StartAsync(new FakeRun
        {
            PendingReads = 3, Decision = "approved", DecidedBy = "bob@example.test", DecisionComment = "ship it", Chunks = [FakeChunk.Out("hello\n")],
        });

        var result = await CliRunner.RunAsync(server.CliArgs("deploy", "--product", "web", "--timeout", "30m", "--", "echo", "hello"));

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().Be("hello\n");
        result.StdErr.Should().Be(
            "waiting for approval (run run_0001)...\nrun run_0001 approved by bob@example.test: ship it\nrun run_0001 succeeded in 1.5s\n");
        server.LastDeploymentRequest!["timeoutSeconds"]!.GetValue<int>().Should().Be(1800);
    }

    [Fact]
    public async Task A_rejected_deployment_makes_deploy_exit_79_with_the_approvers_comment()
    {
        await using var server = await FakeControlPlane.StartAsync(new FakeRun
        {
            PendingReads = 2, Decision = "rejected", DecidedBy = "bob@example.test", DecisionComment = "change freeze",
        });

        var result = await CliRunner.RunAsync(server.CliArgs("deploy", "--product", "web", "--", "echo", "hello"));

        result.ExitCode.Should().Be(79);
        result.StdErr.Should().Be("waiting for approval (run run_0001)...\nrun run_0001 was rejected by bob@example.test: change freeze\n");
        server.Requests.Should().NotContain(r => r.Contains("/logs"), "a rejected run has no log to follow");
    }

    [Fact]
    public async Task Deploy_with_no_wait_prints_the_pending_run_id_and_returns()
    {
        await using var server = await FakeControlPlane.StartAsync(new FakeRun { PendingReads = 100 });

        var result = await CliRunner.RunAsync(server.CliArgs("deploy", "--product", "web", "--no-wait", "--", "true"));

        result.ExitCode.Should().Be(0);
        result.StdOut.Should().Be("run_0001\n");
        result.StdErr.Should().Be("waiting for approval (run run_0001)...\n");
    }

    [Fact]
    public async Task A_quota_refusal_is_one_line_with_the_quota_and_retry_after_and_exit_75()
    {
        await using var server = await FakeControlPlane.StartAsync();
        server.ForcedAnswer = new TooManyRequests(
            "Deployment quota exceeded: deployments per hour for tenant acme: 10. The Retry-After header says when the rolling window admits the next one.",
            retryAfterSeconds: 2400);

        var result = await CliRunner.RunAsync(server.CliArgs("deploy", "--product", "web", "--", "true"));

        result.ExitCode.Should().Be(75);
        result.StdErr.Should().Be(
            "error: Deployment quota exceeded: deployments per hour for tenant acme: 10. The Retry-After header says when the rolling window admits the next one. (retry after 40m00s)\n");
    }

    private sealed class TooManyRequests(string detail, int retryAfterSeconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Problem(title: "Deployment quota exceeded", detail: detail, statusCode: 429).ExecuteAsync(httpContext);
        }
    }
}
