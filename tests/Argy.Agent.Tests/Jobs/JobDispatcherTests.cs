using Argy.Agent.Jobs;
using Argy.Agent.Tests.Support;
using Argy.Protocol.V1;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Payload = Argy.Protocol.V1.AgentMessage.PayloadOneofCase;

namespace Argy.Agent.Tests.Jobs;

public sealed class JobDispatcherTests : IDisposable
{
    private readonly TempDirectory _workRoot = new();
    private readonly CollectingSink _sink = new();
    private readonly JobRegistry _registry;
    private readonly JobDispatcher _dispatcher;

    public JobDispatcherTests()
    {
        var options = Options.Create(Support.Jobs.Agent(_workRoot.Path, capacity: 1));
        _registry = new JobRegistry(options);
        var runner = Support.Jobs.Runner(options.Value);
        _dispatcher = new JobDispatcher(_registry, runner, _sink, NullLogger<JobDispatcher>.Instance);
    }

    /// <summary>What the control plane does: assign, then start once the acceptance is recorded.</summary>
    private void AssignAndStart(AssignJob job)
    {
        _dispatcher.Assign(job);
        _dispatcher.Start(new StartJob { RunId = job.RunId });
    }

    [Fact]
    public async Task An_accepted_job_does_not_start_before_StartJob()
    {
        _dispatcher.Assign(Support.Jobs.Script("echo ran", runId: "run-a"));

        _registry.ActiveRunIds().Should().Equal("run-a");
        // Nothing to wait on for something that must not happen: give a wrongly started job time to print.
        await Task.Delay(300);
        _sink.Messages.Select(m => m.PayloadCase).Should().Equal([Payload.JobAccepted], "the job waits for the control plane to record its acceptance");

        _dispatcher.Start(new StartJob { RunId = "run-a" });
        await WaitForAsync(() => _sink.Messages.Any(m => m.JobFinished?.RunId == "run-a"));
        _sink.Messages.Single(m => m.JobFinished?.RunId == "run-a").JobFinished.Outcome.Should().Be(JobOutcome.Succeeded);
    }

    [Fact]
    public void An_accepted_job_abandoned_before_StartJob_never_runs_and_frees_its_slot()
    {
        _dispatcher.Assign(Support.Jobs.Script("true", runId: "run-a"));

        _dispatcher.Abandon(["run-a"]);
        _dispatcher.Start(new StartJob { RunId = "run-a" });

        _registry.RunningCount.Should().Be(0);
        _registry.ActiveRunIds().Should().BeEmpty();
        _sink.Messages.Select(m => m.PayloadCase).Should().Equal(Payload.JobAccepted);
        _registry.TryReserve("run-b", out _).Should().Be(ReserveResult.Reserved);
    }

    [Fact]
    public void An_accepted_job_cancelled_before_StartJob_is_reported_cancelled_without_running()
    {
        _dispatcher.Assign(Support.Jobs.Script("true", runId: "run-a"));

        _dispatcher.Cancel(new CancelJob { RunId = "run-a", Reason = "changed my mind" });

        var finished = _sink.Messages.Single(m => m.PayloadCase == Payload.JobFinished).JobFinished;
        finished.Outcome.Should().Be(JobOutcome.Cancelled);
        finished.Message.Should().Be("cancelled before it started");
        _registry.RunningCount.Should().Be(0);
    }

    public void Dispose()
    {
        _dispatcher.CancelAll("test over");
        _registry.WhenAllEndedAsync(CancellationToken.None).Wait(TimeSpan.FromSeconds(10));
        _workRoot.Dispose();
    }

    [Fact]
    public async Task Ended_run_frees_its_slot_but_stays_listed_until_reported()
    {
        AssignAndStart(Support.Jobs.Script("true", runId: "run-a"));
        await _registry.WhenAllEndedAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        _registry.RunningCount.Should().Be(0);
        _registry.ActiveRunIds().Should().Equal("run-a");
        _registry.MarkReported("run-a");
        _registry.ActiveRunIds().Should().BeEmpty();
    }

    [Fact]
    public async Task Slot_is_free_by_the_time_the_result_is_reported()
    {
        _sink.OnSend = message =>
        {
            if (message.JobFinished?.RunId == "run-a")
            {
                AssignAndStart(Support.Jobs.Script("true", runId: "run-b"));
            }
        };

        AssignAndStart(Support.Jobs.Script("true", runId: "run-a"));
        await WaitForAsync(() => _sink.Messages.Any(m => m.JobFinished?.RunId == "run-b"));

        _sink.Messages.Should().NotContain(m => m.PayloadCase == Payload.JobRejected);
    }

    [Fact]
    public void Run_id_that_is_not_a_safe_name_is_rejected()
    {
        AssignAndStart(Support.Jobs.Script("true", runId: "../etc"));

        var rejected = _sink.Messages.Should().ContainSingle().Which.JobRejected;
        rejected.RunId.Should().Be("../etc");
        rejected.Reason.Should().Be("invalid run id");
    }

    [Fact]
    public void Repeated_assignment_of_a_running_run_is_accepted_without_starting_it_twice()
    {
        AssignAndStart(Support.Jobs.Script("sleep 30", runId: "run-a"));
        AssignAndStart(Support.Jobs.Script("sleep 30", runId: "run-a"));

        _sink.Messages.Select(m => m.PayloadCase).Should().Equal(Payload.JobAccepted, Payload.JobAccepted);
        _registry.RunningCount.Should().Be(1);
    }

    [Fact]
    public void Draining_agent_rejects_new_work()
    {
        _registry.BeginDraining();

        AssignAndStart(Support.Jobs.Script("true", runId: "run-a"));

        _sink.Messages.Should().ContainSingle().Which.JobRejected.Reason.Should().Be("draining");
    }

    [Fact]
    public async Task Abandoned_run_is_stopped_and_forgotten()
    {
        AssignAndStart(Support.Jobs.Script("sleep 30", runId: "run-a"));

        _dispatcher.Abandon(["run-a"]);
        await _registry.WhenAllEndedAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        _sink.Messages[^1].JobFinished.Outcome.Should().Be(JobOutcome.Cancelled);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var attempt = 0; attempt < 200 && !condition(); attempt++)
        {
            await Task.Delay(25);
        }

        condition().Should().BeTrue();
    }
}
