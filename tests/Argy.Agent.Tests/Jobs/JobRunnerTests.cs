using System.Globalization;
using System.Text;
using Argy.Agent.Jobs;
using Argy.Agent.Tests.Support;
using Argy.Protocol.V1;

namespace Argy.Agent.Tests.Jobs;

public sealed class JobRunnerTests : IDisposable
{
    private readonly TempDirectory _workRoot = new();
    private readonly CollectingSink _sink = new();

    public void Dispose() => _workRoot.Dispose();

    private Task<JobFinished> RunAsync(AssignJob job, JobCancellation? cancellation = null) =>
        Support.Jobs.Runner(_workRoot.Path).RunAsync(job, _sink, cancellation ?? new JobCancellation());

    [Fact]
    public async Task Script_output_is_sent_and_zero_exit_is_success()
    {
        var finished = await RunAsync(Support.Jobs.Script("echo hello; echo oops >&2"));

        finished.Outcome.Should().Be(JobOutcome.Succeeded);
        finished.ExitCode.Should().Be(0);
        finished.Message.Should().BeEmpty();
        _sink.Output(OutputStream.Stdout).Should().Be("hello\n");
        _sink.Output(OutputStream.Stderr).Should().Be("oops\n");
        _sink.Chunks.Should().OnlyContain(c => c.RunId == "run-1" && c.Timestamp != null);
    }

    [Fact]
    public async Task Non_zero_exit_is_failure_with_the_code()
    {
        var finished = await RunAsync(Support.Jobs.Script("echo before; exit 3"));

        finished.Outcome.Should().Be(JobOutcome.Failed);
        finished.ExitCode.Should().Be(3);
        finished.Message.Should().Be("exited with code 3");
    }

    [Fact]
    public async Task Script_runs_with_errexit()
    {
        var finished = await RunAsync(Support.Jobs.Script("false\necho unreachable"));

        finished.Outcome.Should().Be(JobOutcome.Failed);
        _sink.Output().Should().NotContain("unreachable");
    }

    [Fact]
    public async Task Job_finished_comes_last_with_the_last_sequence_number()
    {
        var finished = await RunAsync(Support.Jobs.Script("echo a; echo b >&2; echo c"));

        _sink.Messages[^1].JobFinished.Should().BeSameAs(finished);
        finished.RunId.Should().Be("run-1");
        finished.LastSequence.Should().Be(_sink.Chunks.Count);
        finished.Duration.ToTimeSpan().Should().BePositive();
    }

    [Fact]
    public async Task Job_without_output_reports_last_sequence_zero()
    {
        var finished = await RunAsync(Support.Jobs.Script("true"));

        finished.LastSequence.Should().Be(0);
        _sink.Chunks.Should().BeEmpty();
    }

    [Fact]
    public async Task Large_output_arrives_complete_in_order_with_gapless_sequence_numbers()
    {
        // About 2 MB on stdout with stderr interleaved, so both pipes compete for sequence numbers.
        var finished = await RunAsync(Support.Jobs.Script("seq 1 300000; seq 1 1000 >&2"));

        finished.Outcome.Should().Be(JobOutcome.Succeeded);
        _sink.Chunks.Select(c => c.Sequence).Should().Equal(Enumerable.Range(1, _sink.Chunks.Count).Select(i => (long)i));
        _sink.Chunks.Should().OnlyContain(c => c.Data.Length > 0 && c.Data.Length <= 64 * 1024);

        var expected = new StringBuilder();
        for (var i = 1; i <= 300000; i++)
        {
            expected.Append(i.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        _sink.Output(OutputStream.Stdout).Should().Be(expected.ToString());
    }

    [Fact]
    public async Task Chunks_respect_a_smaller_limit_from_the_control_plane()
    {
        var sink = new CollectingSink(maxLogChunkBytes: 1000);
        var finished = await Support.Jobs.Runner(_workRoot.Path)
            .RunAsync(Support.Jobs.Script("head -c 10000 /dev/zero"), sink, new JobCancellation());

        sink.Chunks.Should().OnlyContain(c => c.Data.Length <= 1000);
        sink.Chunks.Sum(c => c.Data.Length).Should().Be(10000);
        finished.LastSequence.Should().Be(sink.Chunks.Count);
    }

    [Fact]
    public async Task Job_does_not_see_the_agents_environment()
    {
        const string variable = "ARGY_AGENT_TEST_PRIVATE";
        Environment.SetEnvironmentVariable(variable, "agent-only");
        try
        {
            var job = Support.Jobs.Script("env");
            job.Env.Add("GREETING", "hi");
            await RunAsync(job);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }

        var environment = _sink.Output(OutputStream.Stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        environment.Should().NotContainKey(variable);
        environment.Should().Contain("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        environment.Should().Contain("HOME", Path.Combine(_workRoot.Path, "run-1"));
        environment.Should().Contain("ARGY_RUN_ID", "run-1");
        environment.Should().Contain("ARGY_PRODUCT", "shop");
        environment.Should().Contain("ARGY_WORKSPACE", Path.Combine(_workRoot.Path, "run-1"));
        environment.Should().Contain("GREETING", "hi");
        environment.Keys.Should().BeSubsetOf(["PATH", "HOME", "TMPDIR", "LANG", "ARGY_RUN_ID", "ARGY_PRODUCT", "ARGY_WORKSPACE", "GREETING", "PWD", "SHLVL", "_", "OLDPWD"]);
    }

    [Fact]
    public async Task Secret_values_are_masked_in_the_output()
    {
        var job = Support.Jobs.Script("echo \"token=$DEPLOY_TOKEN\"; printf %s \"$DEPLOY_TOKEN\" >&2");
        job.Secrets.Add("DEPLOY_TOKEN", "s3cr3t-value");

        await RunAsync(job);

        _sink.Output(OutputStream.Stdout).Should().Be("token=***\n");
        _sink.Output(OutputStream.Stderr).Should().Be("***");
    }

    [Fact]
    public async Task Secret_printed_in_two_separate_writes_is_masked()
    {
        // Two writes with a pause between them arrive as two reads of the pipe.
        var job = Support.Jobs.Script("printf %s \"$DEPLOY_TOKEN\" | head -c 4; sleep 0.2; printf '%s\\n' \"$DEPLOY_TOKEN\" | tail -c +5");
        job.Secrets.Add("DEPLOY_TOKEN", "s3cr3t-value");

        await RunAsync(job);

        _sink.Output(OutputStream.Stdout).Should().Be("***\n");
        _sink.Chunks.Should().NotContain(chunk => chunk.Data.ToStringUtf8().Contains("s3cr", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Job_runs_in_its_own_workspace_which_is_removed_afterwards()
    {
        var finished = await RunAsync(Support.Jobs.Script("pwd; touch file; mkdir -p ro/sub; chmod 500 ro"));

        finished.Outcome.Should().Be(JobOutcome.Succeeded);
        _sink.Output(OutputStream.Stdout).Should().Be(Path.Combine(_workRoot.Path, "run-1") + "\n");
        Directory.Exists(Path.Combine(_workRoot.Path, "run-1")).Should().BeFalse();
    }

    [Fact]
    public async Task Workspace_is_created_fresh_and_owner_only()
    {
        var leftover = Directory.CreateDirectory(Path.Combine(_workRoot.Path, "run-1"));
        await File.WriteAllTextAsync(Path.Combine(leftover.FullName, "stale"), "x");

        await RunAsync(Support.Jobs.Script("ls -A; stat -c %a ."));

        _sink.Output(OutputStream.Stdout).Should().Be("700\n");
    }

    [Fact]
    public async Task Timeout_kills_the_process_tree_and_reports_timed_out()
    {
        var marker = HostProcesses.NewMarker();
        var job = Support.Jobs.Script("sleep 30 & echo started; wait", timeout: TimeSpan.FromMilliseconds(500));
        job.Env.Add(HostProcesses.MarkerVariable, marker);
        var started = DateTime.UtcNow;

        var finished = await RunAsync(job);

        (DateTime.UtcNow - started).Should().BeLessThan(TimeSpan.FromSeconds(10));
        finished.Outcome.Should().Be(JobOutcome.TimedOut);
        finished.ExitCode.Should().Be(-1);
        finished.Message.Should().StartWith("timed out after");
        _sink.Chunks.Should().Contain(c => c.Stream == OutputStream.System);
        (await HostProcesses.NoneLeftAsync(marker)).Should().BeTrue("the job's child process must not outlive the job");
        Directory.Exists(Path.Combine(_workRoot.Path, "run-1")).Should().BeFalse();
    }

    [Fact]
    public async Task Background_process_holding_the_output_does_not_keep_the_job_running()
    {
        var marker = HostProcesses.NewMarker();
        var job = Support.Jobs.Script("sleep 30 & echo main done; exit 4");
        job.Env.Add(HostProcesses.MarkerVariable, marker);

        var finished = await RunAsync(job).WaitAsync(TimeSpan.FromSeconds(10));

        finished.Outcome.Should().Be(JobOutcome.Failed);
        finished.ExitCode.Should().Be(4, "the main process's exit code counts, not the killed leftovers'");
        _sink.Output(OutputStream.Stdout).Should().Be("main done\n");
        (await HostProcesses.NoneLeftAsync(marker)).Should().BeTrue();
    }

    [Fact]
    public async Task Daemon_that_closed_its_output_is_killed_when_the_job_ends()
    {
        var marker = HostProcesses.NewMarker();
        var job = Support.Jobs.Script("nohup sleep 30 >/dev/null 2>&1 &");
        job.Env.Add(HostProcesses.MarkerVariable, marker);

        var finished = await RunAsync(job);

        finished.Outcome.Should().Be(JobOutcome.Succeeded);
        (await HostProcesses.NoneLeftAsync(marker)).Should().BeTrue("nothing a job started may outlive it");
    }

    [Fact]
    public async Task Absurdly_long_timeout_is_capped_instead_of_failing_the_job()
    {
        var finished = await RunAsync(Support.Jobs.Script("true", timeout: TimeSpan.FromDays(3650)));

        finished.Outcome.Should().Be(JobOutcome.Succeeded);
    }

    [Fact]
    public async Task Cancellation_stops_the_job_and_reports_cancelled_with_the_reason()
    {
        using var cancellation = new JobCancellation();
        var run = RunAsync(Support.Jobs.Script("echo started; sleep 30"), cancellation);
        await WaitUntilAsync(() => _sink.Output().Contains("started", StringComparison.Ordinal));

        cancellation.Cancel("cancelled by admin@example.com");
        var finished = await run.WaitAsync(TimeSpan.FromSeconds(10));

        finished.Outcome.Should().Be(JobOutcome.Cancelled);
        finished.ExitCode.Should().Be(-1);
        finished.Message.Should().Be("cancelled: cancelled by admin@example.com");
    }

    [Fact]
    public async Task Command_runs_without_a_shell_and_keeps_arguments_intact()
    {
        var finished = await RunAsync(Support.Jobs.Command("printf", "[%s]", "a b", "$HOME", "'q'"));

        finished.Outcome.Should().Be(JobOutcome.Succeeded);
        _sink.Output(OutputStream.Stdout).Should().Be("[a b][$HOME]['q']");
    }

    [Fact]
    public async Task Command_that_cannot_start_fails_with_a_system_line()
    {
        var finished = await RunAsync(Support.Jobs.Command("argy-no-such-program"));

        finished.Outcome.Should().Be(JobOutcome.Failed);
        finished.ExitCode.Should().Be(-1);
        finished.Message.Should().Contain("command not found: argy-no-such-program");
        _sink.Output(OutputStream.System).Should().Contain("command not found");
        _sink.Messages[^1].PayloadCase.Should().Be(AgentMessage.PayloadOneofCase.JobFinished);
    }

    [Fact]
    public async Task Job_with_invalid_environment_name_fails_without_running()
    {
        var job = Support.Jobs.Script("echo should-not-run");
        job.Env.Add("BAD=NAME", "x");

        var finished = await RunAsync(job);

        finished.Outcome.Should().Be(JobOutcome.Failed);
        _sink.Output(OutputStream.Stdout).Should().BeEmpty();
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var attempt = 0; attempt < 100 && !condition(); attempt++)
        {
            await Task.Delay(50);
        }

        condition().Should().BeTrue();
    }
}
