using Argy.Agent.Outbound;
using Argy.Protocol.V1;

namespace Argy.Agent.Tests.Outbound;

public sealed class OutboundQueueTests
{
    private static AgentMessage Chunk(long sequence) => new() { LogChunk = new LogChunk { RunId = "r", Sequence = sequence } };

    [Fact]
    public async Task Job_output_waits_when_the_budget_is_used_up_and_resumes_once_acknowledged_not_merely_written()
    {
        using var queue = new OutboundQueue(logChunkBudget: 2);
        await queue.SendLogAsync(Chunk(1), CancellationToken.None);
        await queue.SendLogAsync(Chunk(2), CancellationToken.None);

        var third = queue.SendLogAsync(Chunk(3), CancellationToken.None).AsTask();
        await Task.Delay(50);
        third.IsCompleted.Should().BeFalse("output must wait instead of piling up");

        queue.TryPeek(out _).Should().BeTrue();
        queue.RemoveWritten();
        await Task.Delay(50);
        third.IsCompleted.Should().BeFalse("a written chunk is still held until the control plane acknowledges it");

        queue.ReleaseLogBudget(1);
        await third.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Control_messages_never_wait_for_the_output_budget()
    {
        using var queue = new OutboundQueue(logChunkBudget: 1);
        await queue.SendLogAsync(Chunk(1), CancellationToken.None);

        queue.Send(new AgentMessage { JobFinished = new JobFinished { RunId = "r" } }).Should().BeTrue();

        queue.Count.Should().Be(2);
    }

    [Fact]
    public void A_peeked_message_stays_queued_until_it_is_written()
    {
        using var queue = new OutboundQueue();
        queue.Send(new AgentMessage { JobAccepted = new JobAccepted { RunId = "a" } });

        queue.TryPeek(out var first).Should().BeTrue();
        queue.TryPeek(out var again).Should().BeTrue();
        again.Should().BeSameAs(first);
        queue.HasPendingResults.Should().BeTrue();

        queue.RemoveWritten();
        queue.Count.Should().Be(0);
        queue.HasPendingResults.Should().BeFalse();
    }

    [Fact]
    public void At_most_one_heartbeat_waits_in_the_queue()
    {
        using var queue = new OutboundQueue();
        static AgentMessage Beat() => new() { Heartbeat = new Heartbeat() };

        queue.TrySendHeartbeat(Beat).Should().BeTrue();
        queue.TrySendHeartbeat(Beat).Should().BeFalse();
        queue.TryPeek(out _);
        queue.RemoveWritten();
        queue.TrySendHeartbeat(Beat).Should().BeTrue();
        queue.HasPendingResults.Should().BeFalse("heartbeats are not results");
    }

    [Fact]
    public void Chunk_limit_from_welcome_is_capped_at_64_KiB()
    {
        using var queue = new OutboundQueue();

        queue.SetMaxLogChunkBytes(16 * 1024);
        queue.MaxLogChunkBytes.Should().Be(16 * 1024);
        queue.SetMaxLogChunkBytes(4 * 1024 * 1024);
        queue.MaxLogChunkBytes.Should().Be(64 * 1024);
        queue.SetMaxLogChunkBytes(0);
        queue.MaxLogChunkBytes.Should().Be(64 * 1024);
    }

    [Fact]
    public void Completed_queue_reports_drained_once_empty()
    {
        using var queue = new OutboundQueue();
        queue.Send(new AgentMessage { Draining = new Draining() });
        queue.Complete();

        queue.IsDrained.Should().BeFalse();
        queue.TryPeek(out _);
        queue.RemoveWritten();
        queue.IsDrained.Should().BeTrue();
        queue.Send(new AgentMessage { Draining = new Draining() }).Should().BeFalse();
    }
}
