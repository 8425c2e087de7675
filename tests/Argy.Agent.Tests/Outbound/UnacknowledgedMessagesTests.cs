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
    public void Oldest_messages_are_dropped_beyond_the_size_limit()
    {
        var unacked = new UnacknowledgedMessages(maxBytes: 3000);
        unacked.Written(Chunk("a", 1, bytes: 1000));
        unacked.Written(Chunk("a", 2, bytes: 1000));
        unacked.Written(Chunk("a", 3, bytes: 1000));

        unacked.Snapshot().Select(m => m.LogChunk.Sequence).Should().Equal(2L, 3L);
    }
}
