using System.Text;
using Argy.Agent.Cli;
using Argy.Agent.Tests.Support;
using Argy.Protocol;
using Argy.Protocol.V1;
using Grpc.Core;
using Payload = Argy.Protocol.V1.AgentMessage.PayloadOneofCase;

namespace Argy.Agent.Tests.Connection;

public sealed class AgentConnectionTests : IAsyncLifetime
{
    private FakeControlPlane _controlPlane = null!;

    public async Task InitializeAsync() => _controlPlane = await FakeControlPlane.StartAsync();

    public async Task DisposeAsync() => await _controlPlane.DisposeAsync();

    private static ControlMessage Assign(string runId, string script) =>
        new() { AssignJob = new AssignJob { RunId = runId, Script = script, Product = "shop" } };

    [Fact]
    public async Task Agent_authenticates_and_says_hello_first()
    {
        await using var agent = await RunningAgent.StartAsync(_controlPlane.Url, capacity: 2);
        var call = await _controlPlane.NextCallAsync();

        var hello = (await call.ReadAsync())!;

        call.Headers.GetValue(ProtocolHeaders.Authorization).Should().Be("ApiKey argy_agent_secret");
        call.Headers.GetValue(ProtocolHeaders.AgentId).Should().Be("agt_test");
        call.Headers.GetValue(ProtocolHeaders.TenantId).Should().Be("ten_test");
        hello.PayloadCase.Should().Be(Payload.Hello);
        hello.Hello.AgentId.Should().Be("agt_test");
        hello.Hello.Version.Should().Be(AgentInfo.Version);
        hello.Hello.Os.Should().Be("linux");
        hello.Hello.Capacity.Should().Be(2);
        hello.Hello.Tags.Should().Equal("linux", "docker");
        hello.Hello.RunningRunIds.Should().BeEmpty();
        call.End();
    }

    [Fact]
    public async Task Assigned_job_is_accepted_run_and_reported_in_order()
    {
        await using var agent = await RunningAgent.StartAsync(_controlPlane.Url);
        var call = await _controlPlane.NextCallAsync();
        await call.ReadAsync();
        await call.WelcomeAsync();

        await call.SendAsync(Assign("run-a", "echo hello; echo world >&2; exit 3"));

        (await call.ReadAsync())!.JobAccepted.RunId.Should().Be("run-a");
        var (finished, chunks) = await call.ReadUntilAsync(Payload.JobFinished);
        chunks.Should().OnlyContain(m => m.PayloadCase == Payload.LogChunk);
        chunks.Select(m => m.LogChunk.Sequence).Should().Equal(Enumerable.Range(1, chunks.Count).Select(i => (long)i));
        Encoding.UTF8.GetString(chunks.Where(m => m.LogChunk.Stream == OutputStream.Stdout).SelectMany(m => m.LogChunk.Data).ToArray())
            .Should().Be("hello\n");
        finished.JobFinished.Outcome.Should().Be(JobOutcome.Failed);
        finished.JobFinished.ExitCode.Should().Be(3);
        finished.JobFinished.LastSequence.Should().Be(chunks.Count);
        call.End();
    }

    [Fact]
    public async Task Job_beyond_capacity_is_rejected()
    {
        await using var agent = await RunningAgent.StartAsync(_controlPlane.Url, capacity: 1);
        var call = await _controlPlane.NextCallAsync();
        await call.ReadAsync();
        await call.WelcomeAsync();

        await call.SendAsync(Assign("run-a", "sleep 30"));
        await call.SendAsync(Assign("run-b", "true"));

        (await call.ReadAsync())!.JobAccepted.RunId.Should().Be("run-a");
        var rejected = (await call.ReadAsync())!.JobRejected;
        rejected.RunId.Should().Be("run-b");
        rejected.Reason.Should().Be("no free slot");

        await call.SendAsync(new ControlMessage { CancelJob = new CancelJob { RunId = "run-a" } });
        (await call.ReadUntilAsync(Payload.JobFinished)).Message.JobFinished.RunId.Should().Be("run-a");
        call.End();
    }

    [Fact]
    public async Task Cancel_job_stops_the_run_as_cancelled()
    {
        await using var agent = await RunningAgent.StartAsync(_controlPlane.Url);
        var call = await _controlPlane.NextCallAsync();
        await call.ReadAsync();
        await call.WelcomeAsync();
        await call.SendAsync(Assign("run-a", "echo started; sleep 30"));
        await call.ReadUntilAsync(Payload.LogChunk);

        await call.SendAsync(new ControlMessage { CancelJob = new CancelJob { RunId = "run-a", Reason = "by admin" } });

        var (finished, _) = await call.ReadUntilAsync(Payload.JobFinished);
        finished.JobFinished.Outcome.Should().Be(JobOutcome.Cancelled);
        finished.JobFinished.Message.Should().Be("cancelled: by admin");
        call.End();
    }

    [Fact]
    public async Task Running_job_survives_a_reconnect_and_is_reported_in_the_next_hello()
    {
        await using var agent = await RunningAgent.StartAsync(_controlPlane.Url);
        var first = await _controlPlane.NextCallAsync();
        await first.ReadAsync();
        await first.WelcomeAsync();
        await first.SendAsync(Assign("run-a", "echo one; sleep 2; echo two"));
        await first.ReadUntilAsync(Payload.LogChunk);

        first.Fail(StatusCode.Unavailable, "control plane restarting");

        var second = await _controlPlane.NextCallAsync(TimeSpan.FromSeconds(10));
        var hello = (await second.ReadAsync())!.Hello;
        hello.RunningRunIds.Should().Equal("run-a");
        await second.WelcomeAsync();
        var (finished, before) = await second.ReadUntilAsync(Payload.JobFinished);
        finished.JobFinished.Outcome.Should().Be(JobOutcome.Succeeded);
        before.Should().Contain(m => m.PayloadCase == Payload.LogChunk && m.LogChunk.Data.ToStringUtf8() == "two\n");
        second.End();
    }

    [Fact]
    public async Task Output_and_result_not_acknowledged_before_a_break_are_sent_again_after_hello()
    {
        await using var agent = await RunningAgent.StartAsync(_controlPlane.Url);
        var first = await _controlPlane.NextCallAsync();
        await first.ReadAsync();
        await first.WelcomeAsync();
        await first.SendAsync(Assign("run-a", "echo lost"));
        var (finished, _) = await first.ReadUntilAsync(Payload.JobFinished);

        first.Fail(StatusCode.Unavailable, "crashed before storing anything");

        var second = await _controlPlane.NextCallAsync();
        (await second.ReadAsync())!.Hello.RunningRunIds.Should().Equal("run-a");
        await second.WelcomeAsync();
        var chunk = (await second.ReadAsync())!;
        chunk.LogChunk.Sequence.Should().Be(1);
        chunk.LogChunk.Data.ToStringUtf8().Should().Be("lost\n");
        (await second.ReadAsync())!.JobFinished.Should().Be(finished.JobFinished);

        await second.SendAsync(new ControlMessage { Ack = new Ack { RunId = "run-a", Sequence = 1, Finished = true } });
        await Task.Delay(200);
        second.Fail(StatusCode.Unavailable, "restarting again");

        var third = await _controlPlane.NextCallAsync();
        (await third.ReadAsync())!.Hello.RunningRunIds.Should().BeEmpty();
        await third.WelcomeAsync();
        (await third.ReadAsync(TimeSpan.FromMilliseconds(500)).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null))
            .Should().BeNull("acknowledged messages are not sent again");
        third.End();
    }

    [Fact]
    public async Task Goodbye_revoked_stops_the_agent_with_exit_code_3()
    {
        await using var agent = await RunningAgent.StartAsync(_controlPlane.Url);
        var call = await _controlPlane.NextCallAsync();
        await call.ReadAsync();
        await call.WelcomeAsync();

        await call.SendAsync(new ControlMessage { Goodbye = new Goodbye { Reason = Goodbye.Types.Reason.Revoked, Message = "revoked by admin" } });
        call.End();

        await agent.WaitForShutdownAsync(TimeSpan.FromSeconds(10));
        agent.ExitCode.Should().Be(ExitCodes.CredentialRejected);
    }

    [Fact]
    public async Task Permission_denied_at_connect_stops_the_agent_with_exit_code_3()
    {
        await using var agent = await RunningAgent.StartAsync(_controlPlane.Url);
        var call = await _controlPlane.NextCallAsync();

        call.Fail(StatusCode.PermissionDenied, "This agent has been revoked.");

        await agent.WaitForShutdownAsync(TimeSpan.FromSeconds(10));
        agent.ExitCode.Should().Be(ExitCodes.CredentialRejected);
    }

    [Fact]
    public async Task Goodbye_superseded_stops_the_agent_with_exit_code_4()
    {
        await using var agent = await RunningAgent.StartAsync(_controlPlane.Url);
        var call = await _controlPlane.NextCallAsync();
        await call.ReadAsync();
        await call.WelcomeAsync();

        await call.SendAsync(new ControlMessage { Goodbye = new Goodbye { Reason = Goodbye.Types.Reason.Superseded } });
        call.End();

        await agent.WaitForShutdownAsync(TimeSpan.FromSeconds(10));
        agent.ExitCode.Should().Be(ExitCodes.Superseded);
    }

    [Fact]
    public async Task Goodbye_draining_makes_the_agent_reconnect()
    {
        await using var agent = await RunningAgent.StartAsync(_controlPlane.Url);
        var first = await _controlPlane.NextCallAsync();
        await first.ReadAsync();
        await first.WelcomeAsync();

        await first.SendAsync(new ControlMessage { Goodbye = new Goodbye { Reason = Goodbye.Types.Reason.Draining } });
        first.End();

        var second = await _controlPlane.NextCallAsync(TimeSpan.FromSeconds(10));
        (await second.ReadAsync())!.PayloadCase.Should().Be(Payload.Hello);
        agent.ExitCode.Should().Be(ExitCodes.Success);
        second.End();
    }

    [Fact]
    public async Task Shutdown_drains_cancels_what_is_left_and_closes_the_stream()
    {
        var agent = await RunningAgent.StartAsync(_controlPlane.Url, shutdownTimeout: TimeSpan.FromMilliseconds(300));
        await using (agent)
        {
            var call = await _controlPlane.NextCallAsync();
            await call.ReadAsync();
            await call.WelcomeAsync();
            await call.SendAsync(Assign("run-a", "echo started; sleep 30"));
            await call.ReadUntilAsync(Payload.LogChunk);

            var stopping = agent.StopAsync();

            var (draining, _) = await call.ReadUntilAsync(Payload.Draining);
            draining.Draining.Reason.Should().NotBeEmpty();
            await call.SendAsync(Assign("run-b", "true"));
            var rejected = await call.ReadUntilAsync(Payload.JobRejected);
            rejected.Message.JobRejected.Reason.Should().Be("draining");
            var (finished, _) = await call.ReadUntilAsync(Payload.JobFinished);
            finished.JobFinished.Outcome.Should().Be(JobOutcome.Cancelled);
            (await call.ReadAsync()).Should().BeNull("the agent closes its side once everything is sent");
            call.End();

            await stopping.WaitAsync(TimeSpan.FromSeconds(10));
            agent.ExitCode.Should().Be(ExitCodes.Success);
        }
    }
}
