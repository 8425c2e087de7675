using System.Text;
using Argy.EndToEnd.Tests.Infrastructure;

namespace Argy.EndToEnd.Tests;

/// <summary>A deployment end to end: CI submits through the CLI or REST, a real agent process runs it, CI gets logs and exit code.</summary>
public sealed class DeploymentTests(ControlPlaneFixture fixture) : IClassFixture<ControlPlaneFixture>
{
    private ControlPlane ControlPlane => fixture.ControlPlane;

    [Fact]
    public async Task Echo_hello_succeeds_and_the_cli_exits_zero_with_the_output()
    {
        var tag = ControlPlaneFixture.UniqueTag();
        await using var agent = await Agent.StartAsync(ControlPlane, [tag]);

        var result = await ArgyCli.RunAsync(ControlPlane, null, "deploy", "--product", "web", "--tags", tag, "--script", "echo hello; exit 0");

        result.ExitCode.Should().Be(0, result.StandardError);
        result.StandardOutput.Should().Contain("hello");
        using var api = ControlPlane.Api();
        var runs = await api.ListDeploymentsAsync();
        var run = runs.First(r => r["tags"]!.AsArray().Any(t => (string?)t == tag));
        ((string)run["status"]!).Should().Be("Succeeded");
        ((int)run["exitCode"]!).Should().Be(0);
        ((string)run["agentId"]!).Should().Be(agent.Id);
        Encoding.UTF8.GetString(await api.GetLogBytesAsync((string)run["runId"]!)).Should().Be("hello\n");
    }

    [Fact]
    public async Task Exit_3_fails_with_exit_code_3_and_the_cli_exits_3()
    {
        var tag = ControlPlaneFixture.UniqueTag();
        await using var agent = await Agent.StartAsync(ControlPlane, [tag]);

        var result = await ArgyCli.RunAsync(ControlPlane, null, "deploy", "--product", "web", "--tags", tag, "--", "sh", "-c", "echo failing >&2; exit 3");

        result.ExitCode.Should().Be(3);
        result.StandardError.Should().Contain("failing");
        using var api = ControlPlane.Api();
        var run = (await api.ListDeploymentsAsync()).First(r => r["tags"]!.AsArray().Any(t => (string?)t == tag));
        ((string)run["status"]!).Should().Be("Failed");
        ((int)run["exitCode"]!).Should().Be(3);
    }

    [Fact]
    public async Task Ten_megabytes_of_output_arrive_complete_and_in_order()
    {
        var tag = ControlPlaneFixture.UniqueTag();
        await using var agent = await Agent.StartAsync(ControlPlane, [tag]);
        using var api = ControlPlane.Api();

        var run = await api.SubmitAsync(new { product = "web", script = "seq 1 1400000", tags = new[] { tag } });
        var runId = (string)run["runId"]!;
        var ended = await api.WaitForEndAsync(runId, TimeSpan.FromSeconds(60));

        ((string)ended["status"]!).Should().Be("Succeeded");
        var expected = new StringBuilder();
        for (var i = 1; i <= 1_400_000; i++)
        {
            expected.Append(i).Append('\n');
        }

        var log = await api.GetLogBytesAsync(runId);
        log.Length.Should().BeGreaterThan(10_000_000);
        // Compare as strings only once the sizes agree, so a failure message stays readable.
        log.Length.Should().Be(Encoding.ASCII.GetByteCount(expected.ToString()));
        Encoding.ASCII.GetString(log).Should().Be(expected.ToString());
    }

    [Fact]
    public async Task A_job_whose_tags_no_agent_has_stays_queued_then_runs_when_a_matching_agent_connects()
    {
        var tag = ControlPlaneFixture.UniqueTag();
        var otherTag = ControlPlaneFixture.UniqueTag();
        await using var unrelated = await Agent.StartAsync(ControlPlane, [otherTag]);
        using var api = ControlPlane.Api();

        var run = await api.SubmitAsync(new { product = "web", script = "echo picked up", tags = new[] { tag } });
        var runId = (string)run["runId"]!;
        // Dispatch runs before the submission is answered: an idle connected agent without the tag did not take it.
        ((string)run["status"]!).Should().Be("Queued");
        ((string)(await api.GetRunAsync(runId))["status"]!).Should().Be("Queued");

        await using var matching = await Agent.StartAsync(ControlPlane, [tag, "extra"]);
        var ended = await api.WaitForEndAsync(runId, TimeSpan.FromSeconds(30));

        ((string)ended["status"]!).Should().Be("Succeeded");
        ((string)ended["agentId"]!).Should().Be(matching.Id);
    }

    [Fact]
    public async Task Two_jobs_submitted_at_once_to_a_one_slot_agent_run_one_after_the_other()
    {
        var tag = ControlPlaneFixture.UniqueTag();
        await using var agent = await Agent.StartAsync(ControlPlane, [tag], capacity: 1);
        using var api = ControlPlane.Api();
        // Each job prints when it starts and ends, by the host's clock in nanoseconds.
        var job = new { product = "web", script = "echo start $(date +%s%N); sleep 0.5; echo end $(date +%s%N)", tags = new[] { tag } };

        var submitted = await Task.WhenAll(api.SubmitAsync(job), api.SubmitAsync(job));
        var runIds = submitted.Select(r => (string)r["runId"]!).ToArray();
        foreach (var runId in runIds)
        {
            ((string)(await api.WaitForEndAsync(runId, TimeSpan.FromSeconds(30)))["status"]!).Should().Be("Succeeded");
        }

        var intervals = new List<(long Start, long End)>();
        foreach (var runId in runIds)
        {
            var lines = Encoding.UTF8.GetString(await api.GetLogBytesAsync(runId)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            intervals.Add((long.Parse(lines[0].Split(' ')[1]), long.Parse(lines[1].Split(' ')[1])));
        }

        intervals.Sort();
        intervals[1].Start.Should().BeGreaterThanOrEqualTo(intervals[0].End, "the second job must start only after the first ended");
    }
}
