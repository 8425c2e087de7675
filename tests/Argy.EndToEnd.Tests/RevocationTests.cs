using System.Diagnostics;
using Argy.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Argy.EndToEnd.Tests;

public sealed class RevocationTests(ControlPlaneFixture fixture, ITestOutputHelper output) : IClassFixture<ControlPlaneFixture>
{
    private ControlPlane ControlPlane => fixture.ControlPlane;

    [Fact]
    public async Task A_revoked_agent_is_disconnected_within_a_second_its_job_cancelled_and_the_agent_exits_non_zero()
    {
        var tag = ControlPlaneFixture.UniqueTag();
        await using var agent = await Agent.StartAsync(ControlPlane, [tag]);
        using var api = ControlPlane.Api();
        var run = await api.SubmitAsync(new { product = "web", script = "echo started; sleep 600", tags = new[] { tag } });
        var runId = (string)run["runId"]!;
        await Eventually.Until(() => api.GetRunAsync(runId), r => (string?)r["status"] == "Running", TimeSpan.FromSeconds(30), "the job to run");
        var outputBefore = agent.Process.Output.Length;

        var clock = Stopwatch.StartNew();
        var revoke = api.Http.PostAsync($"/api/v1/agents/{agent.Id}/revoke", null);
        while (!agent.Process.Output[outputBefore..].Contains("revoked", StringComparison.Ordinal) && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(2);
        }

        var streamClosed = clock.Elapsed;
        await ApiClient.ExpectJson(await revoke, 200);
        var afterRevoke = await api.GetRunAsync(runId);
        var runCancelled = clock.Elapsed;
        var exitCode = await agent.Process.WaitForExitAsync(TimeSpan.FromSeconds(15));
        var exited = clock.Elapsed;

        output.WriteLine($"revocation of a connected agent: the agent logged the closed stream after {streamClosed.TotalMilliseconds:F0} ms, " +
                         $"the run read back Cancelled after {runCancelled.TotalMilliseconds:F0} ms, " +
                         $"the agent exited (job killed) after {exited.TotalMilliseconds:F0} ms");
        streamClosed.Should().BeLessThan(TimeSpan.FromSeconds(1), "revocation closes the live stream at once");
        ((string)afterRevoke["status"]!).Should().Be("Cancelled", "the revocation itself cancels the runs the agent held");
        runCancelled.Should().BeLessThan(TimeSpan.FromSeconds(1));
        exitCode.Should().Be(3, "a revoked agent stops instead of retrying");
        agent.Process.Output.Should().Contain("this agent was revoked");
        ((string)(await api.GetAgentAsync(agent.Id))["status"]!).Should().Be("Revoked");
    }

    [Fact]
    public async Task A_revoked_agent_is_refused_on_reconnection_with_the_reason_and_does_not_retry()
    {
        await using var agent = await Agent.StartAsync(ControlPlane, [ControlPlaneFixture.UniqueTag()]);
        using var api = ControlPlane.Api();
        await agent.Process.DisposeAsync();
        await ApiClient.ExpectJson(await api.Http.PostAsync($"/api/v1/agents/{agent.Id}/revoke", null), 200);

        agent.Run();
        var exitCode = await agent.Process.WaitForExitAsync(TimeSpan.FromSeconds(15));

        exitCode.Should().Be(3);
        agent.Process.Output.Should().Contain("PermissionDenied").And.Contain("This agent has been revoked");
        agent.Process.Output.Split('\n').Count(line => line.Contains("Connecting to the control plane", StringComparison.Ordinal)).Should().BeLessThanOrEqualTo(1);
    }
}
