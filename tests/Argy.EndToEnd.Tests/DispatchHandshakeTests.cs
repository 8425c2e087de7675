using System.Text;
using Argy.EndToEnd.Tests.Infrastructure;
using Argy.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace Argy.EndToEnd.Tests;

/// <summary>
/// The stream drops at the worst moments of dispatch; the job still runs exactly once. One side is a real
/// agent process, the other an agent played by the test over the protocol so it can stop at an exact step.
/// </summary>
public sealed class DispatchHandshakeTests : IAsyncLifetime
{
    private ControlPlane _controlPlane = null!;

    public async Task InitializeAsync() =>
        _controlPlane = await ControlPlane.StartAsync(settings => settings["Argy__AgentAuth__Mode"] = "apikey");

    public async Task DisposeAsync() => await _controlPlane.DisposeAsync();

    [Fact]
    public async Task A_drop_after_the_assignment_and_before_acceptance_requeues_the_job_and_it_runs_once_elsewhere()
    {
        var tag = ControlPlaneFixture.UniqueTag();
        using var api = _controlPlane.Api();
        await using var flaky = await ProtocolAgent.EnrollAsync(_controlPlane, tag);
        await flaky.ConnectAsync();
        var runId = (string)(await api.SubmitAsync(new { product = "web", script = "echo ran once", tags = new[] { tag } }))["runId"]!;
        (await flaky.ReadAsync()).AssignJob.RunId.Should().Be(runId);

        flaky.Drop();
        await using var steady = await Agent.StartAsync(_controlPlane, [tag]);

        var ended = await api.WaitForEndAsync(runId, TimeSpan.FromSeconds(30));
        ((string)ended["status"]!).Should().Be("Succeeded");
        ((string)ended["agentId"]!).Should().Be(steady.Id);
        Encoding.UTF8.GetString(await api.GetLogBytesAsync(runId)).Should().Be("ran once\n");
    }

    [Fact]
    public async Task A_drop_after_acceptance_keeps_the_job_on_its_agent_which_starts_it_once_after_reconnecting()
    {
        var tag = ControlPlaneFixture.UniqueTag();
        using var api = _controlPlane.Api();
        await using var agent = await ProtocolAgent.EnrollAsync(_controlPlane, tag);
        await agent.ConnectAsync();
        var runId = (string)(await api.SubmitAsync(new { product = "web", script = "true", tags = new[] { tag } }))["runId"]!;
        (await agent.ReadAsync()).AssignJob.RunId.Should().Be(runId);
        await agent.SendAsync(new AgentMessage { JobAccepted = new JobAccepted { RunId = runId } });
        // The acceptance is recorded; the StartJob it triggers is lost with the stream.
        (await agent.ReadAsync()).StartJob.RunId.Should().Be(runId);
        agent.Drop();
        await using var other = await Agent.StartAsync(_controlPlane, [tag]);

        var welcome = await agent.ConnectAsync(runId);
        welcome.AbandonedRunIds.Should().BeEmpty();
        (await agent.ReadAsync()).StartJob.RunId.Should().Be(runId, "the control plane still expects the run on this agent");
        await agent.SendAsync(new AgentMessage { JobFinished = new JobFinished { RunId = runId, Outcome = JobOutcome.Succeeded, Duration = new Duration() } });

        var ended = await api.WaitForEndAsync(runId, TimeSpan.FromSeconds(30));
        ((string)ended["status"]!).Should().Be("Succeeded");
        ((string)ended["agentId"]!).Should().Be(agent.Id, "it was never given to the other agent");
    }
}
