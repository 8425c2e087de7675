using Argy.Protocol.V1;
using Google.Protobuf;

namespace Argy.Protocol.Tests;

public sealed class ContractTests
{
    [Fact]
    public void A_log_chunk_round_trips_through_the_wire_format_byte_for_byte()
    {
        var data = new byte[256];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (byte)i;
        }

        var message = new AgentMessage
        {
            LogChunk = new LogChunk { RunId = "run_1", Sequence = 7, Stream = OutputStream.Stderr, Data = ByteString.CopyFrom(data) },
        };

        var parsed = AgentMessage.Parser.ParseFrom(message.ToByteArray());

        parsed.PayloadCase.Should().Be(AgentMessage.PayloadOneofCase.LogChunk);
        parsed.LogChunk.Sequence.Should().Be(7);
        parsed.LogChunk.Data.ToByteArray().Should().Equal(data);
    }

    [Fact]
    public void The_service_is_versioned_in_its_package_name() =>
        AgentGateway.Descriptor.FullName.Should().Be("argy.agent.v1.AgentGateway");
}
