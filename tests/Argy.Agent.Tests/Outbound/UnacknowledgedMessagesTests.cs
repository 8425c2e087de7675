using Argy.Agent.Outbound;
using Argy.Protocol.V1;
using Google.Protobuf;

namespace Argy.Agent.Tests.Outbound;

public sealed class UnacknowledgedMessagesTests
{
    private static AgentMessage Chunk(string runId, long sequence, int bytes = 1) =>
        new() { LogChunk = new LogChunk { RunId = runId, Sequence = sequence, Data = ByteString.CopyFrom(new byte[bytes]) } };

    private static AgentMessage Finished(string runId) => new() { JobFinished = new JobFinished { RunId = runId } };

    [Fact]
    public void Ack_forgets_chunks_up_to_its_sequence_of_that_run_only()
    {
        var unacked = new UnacknowledgedMessages();
        unacked.Written(Chunk("a", 1));
        unacked.Written(Chunk("a", 2));
        unacked.Written(Chunk("b", 1));
        unacked.Written(Chunk("a", 3));

        unacked.Acknowledge(new Ack { RunId = "a", Sequence = 2 });

        unacked.Snapshot().Select(m => (m.LogChunk.RunId, m.LogChunk.Sequence)).Should().Equal(("b", 1L), ("a", 3L));
    }

    [Fact]
    public void Finished_ack_forgets_the_result_and_everything_of_the_run()
    {
        var unacked = new UnacknowledgedMessages();
        unacked.Written(Chunk("a", 1));
        unacked.Written(Finished("a"));

        unacked.Acknowledge(new Ack { RunId = "a", Sequence = 0, Finished = true });

        unacked.Count.Should().Be(0);
    }

    [Fact]
    public void Control_messages_are_not_kept_for_resending()
    {
        var unacked = new UnacknowledgedMessages();
        unacked.Written(new AgentMessage { JobAccepted = new JobAccepted { RunId = "a" } });
        unacked.Written(new AgentMessage { Heartbeat = new Heartbeat() });

        unacked.Count.Should().Be(0);
    }

    [Fact]
    public void Acknowledged_and_forgotten_chunks_give_their_budget_back_and_results_do_not()
    {
        var released = 0;
        var unacked = new UnacknowledgedMessages(count => released += count);
        unacked.Written(Chunk("a", 1));
        unacked.Written(Chunk("a", 2));
        unacked.Written(Chunk("b", 1));
        unacked.Written(Finished("a"));

        unacked.Acknowledge(new Ack { RunId = "a", Sequence = 1 });
        released.Should().Be(1);
        unacked.Acknowledge(new Ack { RunId = "a", Sequence = 2, Finished = true });
        released.Should().Be(2);
        unacked.Forget("b");
        released.Should().Be(3);
        unacked.Count.Should().Be(0);
    }

    [Fact]
    public async Task Output_waits_for_acknowledgements_once_the_budget_is_spent_and_nothing_is_dropped()
    {
        using var queue = new OutboundQueue(logChunkBudget: 2);
        var unacked = new UnacknowledgedMessages(queue.ReleaseLogBudget);
        foreach (var sequence in new long[] { 1, 2 })
        {
            await queue.SendLogAsync(Chunk("a", sequence), CancellationToken.None);
            queue.TryPeek(out var written);
            queue.RemoveWritten();
            unacked.Written(written);
        }

        var third = queue.SendLogAsync(Chunk("a", 3), CancellationToken.None).AsTask();
        await Task.Delay(100);
        third.IsCompleted.Should().BeFalse("two chunks are written but not acknowledged");

        unacked.Acknowledge(new Ack { RunId = "a", Sequence = 1 });
        await third.WaitAsync(TimeSpan.FromSeconds(5));
        unacked.Snapshot().Select(m => m.LogChunk.Sequence).Should().Equal(2L);
    }

    [Fact]
    public void Unacknowledged_output_and_result_survive_an_agent_restart_and_the_spool_empties_once_acknowledged()
    {
        using var directory = new Support.TempDirectory();
        var spool = Path.Combine(directory.Path, "spool");
        var before = new UnacknowledgedMessages(spool: new DiskSpool(spool));
        before.Written(Chunk("run-a", 1, bytes: 10));
        before.Written(Chunk("run-a", 2, bytes: 10));
        before.Written(Finished("run-a"));
        before.Written(Chunk("run-b", 1));
        before.Acknowledge(new Ack { RunId = "run-b", Sequence = 1 });

        var after = new UnacknowledgedMessages(spool: new DiskSpool(spool));
        var (runs, chunks) = after.LoadSpooled();

        runs.Should().Equal("run-a");
        chunks.Should().Be(2);
        after.Snapshot().Select(m => m.PayloadCase.ToString() + (m.LogChunk?.Sequence ?? 0))
            .Should().Equal("LogChunk1", "LogChunk2", "JobFinished0");
        File.GetUnixFileMode(Path.Combine(spool, "run-a.spool")).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);

        after.Acknowledge(new Ack { RunId = "run-a", Sequence = 2, Finished = true });
        Directory.EnumerateFiles(spool).Should().BeEmpty();
    }

    [Fact]
    public void Acknowledgements_lagging_far_behind_do_not_make_the_spool_rewrite_its_backlog_per_chunk()
    {
        using var directory = new Support.TempDirectory();
        var spool = new DiskSpool(Path.Combine(directory.Path, "spool"));
        var unacked = new UnacknowledgedMessages(spool: spool);
        const int chunkBytes = 64 * 1024;
        const int backlog = 200; // 12.8 MB unacknowledged: above the compaction threshold
        long appended = 0;
        long sequence = 0;
        for (; sequence < backlog; appended += chunkBytes)
        {
            unacked.Written(Chunk("run-a", ++sequence, chunkBytes));
        }

        // Steady state: the control plane acknowledges the oldest chunk each time the job prints a new one.
        for (var i = 0; i < 300; i++, appended += chunkBytes)
        {
            unacked.Acknowledge(new Ack { RunId = "run-a", Sequence = sequence - backlog + 1 });
            unacked.Written(Chunk("run-a", ++sequence, chunkBytes));
        }

        unacked.Count.Should().Be(backlog);
        spool.BytesRewritten.Should().BeLessThan(appended, "compaction is amortised: at most about one rewrite per byte spooled");
        new FileInfo(Path.Combine(directory.Path, "spool", "run-a.spool")).Length.Should().BeLessThan(3L * backlog * chunkBytes, "the file is still compacted");
        // After a restart every unacknowledged chunk is sent again, in order; acknowledged ones not yet compacted
        // away may be sent too, and the control plane stores each sequence number once.
        var reloaded = new UnacknowledgedMessages(spool: new DiskSpool(Path.Combine(directory.Path, "spool")));
        reloaded.LoadSpooled();
        var resent = reloaded.Snapshot().Select(m => m.LogChunk.Sequence).ToList();
        resent.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        resent.Should().Contain(Enumerable.Range((int)(sequence - backlog + 1), backlog).Select(n => (long)n));
    }

    [Fact]
    public void A_record_torn_by_a_crash_mid_write_is_ignored_when_loading()
    {
        using var directory = new Support.TempDirectory();
        var spool = new DiskSpool(Path.Combine(directory.Path, "spool"));
        spool.Append(Chunk("run-a", 1, bytes: 100));
        spool.Append(Chunk("run-a", 2, bytes: 100));
        var path = Path.Combine(directory.Path, "spool", "run-a.spool");
        using (var file = new FileStream(path, FileMode.Open))
        {
            file.SetLength(file.Length - 30);
        }

        spool.Load().Select(m => m.LogChunk.Sequence).Should().Equal(1L);
    }
}
