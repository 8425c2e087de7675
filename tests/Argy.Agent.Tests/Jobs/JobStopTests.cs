using System.Diagnostics;
using Argy.Agent.Isolation;
using Argy.Agent.Jobs;
using Argy.Agent.Tests.Support;
using Argy.Protocol.V1;

namespace Argy.Agent.Tests.Jobs;

/// <summary>Timeouts and cancels: SIGTERM to everything the job runs, SIGKILL after the grace period, nothing left behind.</summary>
public sealed class JobStopTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly CollectingSink _sink = new();

    public void Dispose() => _directory.Dispose();

    private JobRunner Runner(string mode, TimeSpan grace) => Support.Jobs.Runner(_directory.Combine("work"), configure: options =>
    {
        options.Isolation.Mode = Enum.Parse<IsolationMode>(mode);
        options.JobStopGracePeriod = grace;
    });

    [Theory]
    [InlineData(nameof(IsolationMode.Bubblewrap))]
    [InlineData(nameof(IsolationMode.None))]
    public async Task Cancel_sends_sigterm_first_so_the_job_can_clean_up(string mode)
    {
        using var cancellation = new JobCancellation();
        var run = Runner(mode, TimeSpan.FromSeconds(20)).RunAsync(
            Support.Jobs.Script("trap 'echo cleaning up; exit 3' TERM; echo ready; sleep 1000 & wait"), _sink, cancellation);
        await WaitForOutputAsync("ready");
        var stopped = Stopwatch.StartNew();

        cancellation.Cancel("by admin");
        var finished = await run.WaitAsync(TimeSpan.FromSeconds(15));

        stopped.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10), "the job ended on SIGTERM, long before the grace period");
        finished.Outcome.Should().Be(JobOutcome.Cancelled);
        finished.Message.Should().Be("cancelled: by admin");
        _sink.Output(OutputStream.Stdout).Should().Be("ready\ncleaning up\n");
    }

    [Theory]
    [InlineData(nameof(IsolationMode.Bubblewrap))]
    [InlineData(nameof(IsolationMode.None))]
    public async Task Job_ignoring_sigterm_is_killed_after_the_grace_period(string mode)
    {
        var marker = HostProcesses.NewMarker();
        var job = Support.Jobs.Script("trap '' TERM; echo ready; sleep 1000 & while :; do sleep 0.1; done", timeout: TimeSpan.FromMilliseconds(300));
        job.Env.Add(HostProcesses.MarkerVariable, marker);
        var started = Stopwatch.StartNew();

        var finished = await Runner(mode, TimeSpan.FromSeconds(1)).RunAsync(job, _sink, new JobCancellation()).WaitAsync(TimeSpan.FromSeconds(15));

        started.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1.25), "timeout, then the whole grace period (timers may fire a few milliseconds early)").And.BeLessThan(TimeSpan.FromSeconds(8));
        finished.Outcome.Should().Be(JobOutcome.TimedOut);
        (await HostProcesses.NoneLeftAsync(marker)).Should().BeTrue("SIGKILL reaches every process of the job");
    }

    [Theory]
    [InlineData(nameof(IsolationMode.Bubblewrap))]
    [InlineData(nameof(IsolationMode.None))]
    public async Task Cancel_leaves_no_background_process_behind(string mode)
    {
        var marker = HostProcesses.NewMarker();
        var job = Support.Jobs.Script("sleep 1000 & sleep 1000 & echo ready; wait");
        job.Env.Add(HostProcesses.MarkerVariable, marker);
        using var cancellation = new JobCancellation();
        var run = Runner(mode, TimeSpan.FromSeconds(5)).RunAsync(job, _sink, cancellation);
        await WaitForOutputAsync("ready");
        (await HostProcesses.WaitForAsync(marker, atLeast: 3)).Should().NotBeEmpty("the shell and both sleeps are running");

        cancellation.Cancel("test");
        var finished = await run.WaitAsync(TimeSpan.FromSeconds(15));

        finished.Outcome.Should().Be(JobOutcome.Cancelled);
        (await HostProcesses.NoneLeftAsync(marker)).Should().BeTrue();
    }

    [Theory]
    [InlineData(nameof(IsolationMode.Bubblewrap))]
    [InlineData(nameof(IsolationMode.None))]
    public async Task Background_process_holding_the_output_is_killed_when_the_job_exits(string mode)
    {
        var marker = HostProcesses.NewMarker();
        var job = Support.Jobs.Script("sleep 1000 & echo main done");
        job.Env.Add(HostProcesses.MarkerVariable, marker);

        var finished = await Runner(mode, TimeSpan.FromSeconds(5)).RunAsync(job, _sink, new JobCancellation()).WaitAsync(TimeSpan.FromSeconds(10));

        finished.Outcome.Should().Be(JobOutcome.Succeeded);
        _sink.Output().Should().Be("main done\n");
        (await HostProcesses.NoneLeftAsync(marker)).Should().BeTrue();
    }

    [Theory]
    [InlineData(nameof(IsolationMode.Bubblewrap))]
    [InlineData(nameof(IsolationMode.None))]
    public async Task Cancel_while_the_job_is_still_starting_leaves_nothing_behind(string mode)
    {
        var runner = Runner(mode, TimeSpan.FromSeconds(20));

        // The cancel lands at different points of the sandbox's set-up, before the job even exists.
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var marker = HostProcesses.NewMarker();
            var job = Support.Jobs.Script("sleep 1000", runId: $"run-{attempt}");
            job.Env.Add(HostProcesses.MarkerVariable, marker);
            using var cancellation = new JobCancellation();
            var stopped = Stopwatch.StartNew();

            var run = runner.RunAsync(job, new CollectingSink(), cancellation);
            await Task.Delay(attempt % 10);
            cancellation.Cancel("early");
            var finished = await run.WaitAsync(TimeSpan.FromSeconds(15));

            stopped.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(3), "attempt {0} must not wait for output held open by a survivor", attempt);
            finished.Outcome.Should().Be(JobOutcome.Cancelled);
            (await HostProcesses.NoneLeftAsync(marker)).Should().BeTrue("attempt {0} must leave no process behind", attempt);
        }
    }

    [Theory]
    [InlineData(nameof(IsolationMode.Bubblewrap))]
    [InlineData(nameof(IsolationMode.None))]
    public async Task Job_starts_with_default_signal_handling(string mode)
    {
        // The agent ignores SIGPIPE; inherited, it would change how every pipeline in a job ends.
        await Runner(mode, TimeSpan.FromSeconds(5)).RunAsync(
            Support.Jobs.Script("grep SigIgn /proc/self/status; yes | head -n 1"), _sink, new JobCancellation());

        _sink.Output().Should().Be("SigIgn:\t0000000000000000\ny\n");
    }

    [Fact]
    public async Task Agent_shutdown_overrides_the_grace_period()
    {
        using var cancellation = new JobCancellation();
        var run = Runner(nameof(IsolationMode.Bubblewrap), TimeSpan.FromMinutes(1)).RunAsync(
            Support.Jobs.Script("trap '' TERM; echo ready; while :; do sleep 0.1; done"), _sink, cancellation);
        await WaitForOutputAsync("ready");
        var stopped = Stopwatch.StartNew();

        cancellation.Cancel("the agent is shutting down", stopGrace: TimeSpan.FromMilliseconds(200));
        var finished = await run.WaitAsync(TimeSpan.FromSeconds(15));

        stopped.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
        finished.Outcome.Should().Be(JobOutcome.Cancelled);
    }

    private async Task WaitForOutputAsync(string text)
    {
        for (var attempt = 0; attempt < 200 && !_sink.Output().Contains(text, StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(25);
        }

        _sink.Output().Should().Contain(text);
    }
}
