using Argy.EndToEnd.Tests.Infrastructure;

namespace Argy.EndToEnd.Tests;

public sealed class RevocationTests(ControlPlaneFixture fixture) : IClassFixture<ControlPlaneFixture>
{
    private ControlPlane ControlPlane => fixture.ControlPlane;

    [Fact]
    public async Task A_revoked_agent_is_disconnected_its_job_cancelled_and_the_agent_exits_non_zero()
    {
        var tag = ControlPlaneFixture.UniqueTag();
        await using var agent = await Agent.StartAsync(ControlPlane, [tag]);
        using var api = ControlPlane.Api();
        var run = await api.SubmitAsync(new { product = "web", script = "echo started; sleep 600", tags = new[] { tag } });
        var runId = (string)run["runId"]!;
        await Eventually.Until(() => api.GetRunAsync(runId), r => (string?)r["status"] == "Running", TimeSpan.FromSeconds(30), "the job to run");

        await ApiClient.ExpectJson(await api.Http.PostAsync($"/api/v1/agents/{agent.Id}/revoke", null), 200);

        var exitCode = await agent.Process.WaitForExitAsync(TimeSpan.FromSeconds(15));
        exitCode.Should().NotBe(0, "a revoked agent stops instead of retrying");
        agent.Process.Output.Should().Contain("revoked");
        ((string)(await api.GetAgentAsync(agent.Id))["status"]!).Should().Be("Revoked");
        ((string)(await api.GetRunAsync(runId))["status"]!).Should().Be("Cancelled");
    }
}
