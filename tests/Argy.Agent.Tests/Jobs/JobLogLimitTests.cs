using Argy.Agent.Configuration;
using Argy.Agent.Jobs;
using Argy.Agent.Tests.Support;
using Argy.Protocol.V1;

namespace Argy.Agent.Tests.Jobs;

public sealed class JobLogLimitTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly CollectingSink _sink = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Output_beyond_the_limit_is_dropped_after_a_truncation_line_and_the_job_runs_on()
    {
        var limit = AgentOptionsValidator.MinJobLogBytes;
        var runner = Support.Jobs.Runner(_directory.Combine("work"), configure: options => options.MaxJobLogBytes = limit);

        var finished = await runner.RunAsync(
            Support.Jobs.Script("head -c 300000 /dev/zero; echo after >&2; echo finished > done; cat done"), _sink, new JobCancellation());

        finished.Outcome.Should().Be(JobOutcome.Succeeded, "the job is not blocked or killed by its verbosity");
        _sink.Chunks.Where(c => c.Stream != OutputStream.System).Sum(c => (long)c.Data.Length).Should().Be(limit);
        _sink.Output(OutputStream.System).Should().Be($"argy-agent: {JobLogWriter.TruncationNotice(limit)}\n");
        JobLogWriter.TruncationNotice(limit).Should().Contain("64 KiB").And.Contain("Agent:MaxJobLogBytes");
        _sink.Chunks.Select(c => c.Sequence).Should().Equal(Enumerable.Range(1, _sink.Chunks.Count).Select(i => (long)i));
        finished.LastSequence.Should().Be(_sink.Chunks.Count);
    }

    [Fact]
    public async Task Agent_lines_still_arrive_after_the_limit()
    {
        using var writer = new JobLogWriter("run-1", _sink, TimeProvider.System, maxOutputBytes: 10);

        await writer.WriteAsync(OutputStream.Stdout, "0123456789abc"u8.ToArray(), CancellationToken.None);
        await writer.WriteAsync(OutputStream.Stderr, "more"u8.ToArray(), CancellationToken.None);
        await writer.WriteSystemAsync("timed out after 00:01:00", CancellationToken.None);

        writer.Truncated.Should().BeTrue();
        _sink.Output(OutputStream.Stdout).Should().Be("0123456789");
        _sink.Output(OutputStream.Stderr).Should().BeEmpty();
        _sink.Output(OutputStream.System).Should().EndWith("argy-agent: timed out after 00:01:00\n");
    }
}
