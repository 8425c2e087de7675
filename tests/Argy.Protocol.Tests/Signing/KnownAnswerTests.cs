using System.Security.Cryptography;
using Argy.Protocol.Signing;
using Argy.Protocol.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Argy.Protocol.Tests.Signing;

/// <summary>The vectors in protocol/signing-test-vectors.json were computed with Python's hmac module, not this code.</summary>
public sealed class KnownAnswerTests
{
    [Theory]
    [MemberData(nameof(TestVector.Names), MemberType = typeof(TestVector))]
    public void The_canonical_string_and_signature_match_the_vector(string name)
    {
        var vector = TestVector.Named(name);
        var bodyHash = SHA256.HashData(vector.Body());

        Convert.ToHexStringLower(bodyHash).Should().Be(vector.BodySha256);
        CanonicalString.ToText(vector.Fields(bodyHash)).Should().Be(vector.Canonical);
        HmacSignature.ComputeHex(vector.Key(), vector.Fields(bodyHash)).Should().Be(vector.Signature);
        HmacSignature.Verify(vector.Key().Secret, vector.Fields(bodyHash), vector.Signature).Should().BeTrue();
        HmacSignature.Verify(vector.Key().Secret, vector.Fields(bodyHash), vector.Signature.ToUpperInvariant()).Should().BeTrue("hex is read case-insensitively");
    }

    [Fact]
    public void The_connect_vector_is_what_an_agent_puts_in_its_metadata()
    {
        var vector = TestVector.Named("connect");

        var signature = ConnectSignature.Create(vector.Key(), vector.TenantId, vector.Principal, vector.Nonce, vector.Timestamp);

        signature.Signature.Should().Be(vector.Signature);
        vector.Target.Should().Be(SigningScheme.ConnectTarget);
    }

    [Fact]
    public void The_message_vectors_are_the_wire_bytes_of_the_messages_they_describe()
    {
        var sentAt = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeSeconds(1767225600));
        var log = new AgentMessage
        {
            LogChunk = new LogChunk { RunId = "run_01", Sequence = 1, Stream = OutputStream.Stdout, Data = ByteString.CopyFromUtf8("hello\n"), Timestamp = sentAt },
        };
        var heartbeat = new AgentMessage { Heartbeat = new Heartbeat { SentAt = sentAt, RunningJobs = 1 } };

        Convert.ToHexStringLower(log.ToByteArray()).Should().Be(TestVector.Named("message-log-chunk").BodyHex);
        Convert.ToHexStringLower(heartbeat.ToByteArray()).Should().Be(TestVector.Named("message-heartbeat").BodyHex);
        SigningScheme.MessageTarget(log.PayloadCase).Should().Be(TestVector.Named("message-log-chunk").Target);
        SigningScheme.MessageTarget(heartbeat.PayloadCase).Should().Be(TestVector.Named("message-heartbeat").Target);
    }

    [Fact]
    public void A_signed_message_verifies_against_the_vector_after_a_trip_over_the_wire()
    {
        var vector = TestVector.Named("message-log-chunk");
        var message = AgentMessage.Parser.ParseFrom(vector.Body());
        message.Signature = new MessageSignature { KeyId = vector.KeyId, Timestamp = vector.Timestamp, Nonce = vector.Nonce, Signature = vector.Signature };

        Span<byte> digest = stackalloc byte[32];
        AgentMessageBody.TryComputeWireDigest(message.ToByteArray(), digest, out var hasSignature).Should().BeTrue();

        hasSignature.Should().BeTrue();
        Convert.ToHexStringLower(digest).Should().Be(vector.BodySha256);
        HmacSignature.Verify(vector.Key().Secret, vector.Fields(digest), message.Signature.Signature).Should().BeTrue();
    }
}
