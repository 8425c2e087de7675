using System.Buffers;
using Argy.Protocol.Signing;
using Argy.Protocol.V1;
using Google.Protobuf;
using Microsoft.Extensions.Time.Testing;

namespace Argy.Protocol.Tests.Signing;

public sealed class MessageSigningTests
{
    private static readonly SigningKey Key = new("key_a", "0123456789abcdef0123456789abcdef");
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1_767_225_600));

    private static AgentMessage LogChunk(string data) => new()
    {
        LogChunk = new LogChunk { RunId = "run_1", Sequence = 1, Stream = OutputStream.Stdout, Data = ByteString.CopyFromUtf8(data) },
    };

    private static (bool Ok, byte[] Digest, bool Signed) WireDigest(byte[] wire)
    {
        var digest = new byte[32];
        var ok = AgentMessageBody.TryComputeWireDigest(wire, digest, out var signed);
        return (ok, digest, signed);
    }

    private static bool Verifies(AgentMessage received, string tenant = "ten_1", string agent = "agt_1")
    {
        var (ok, digest, _) = WireDigest(received.ToByteArray());
        var signature = received.Signature;
        return ok && HmacSignature.Verify(Key.Secret, new SignedFields
        {
            KeyId = signature.KeyId,
            Timestamp = signature.Timestamp,
            Nonce = signature.Nonce,
            TenantId = tenant,
            Principal = agent,
            Target = SigningScheme.MessageTarget(received.PayloadCase),
            BodySha256 = digest,
        }, signature.Signature);
    }

    [Fact]
    public void The_receiver_digest_of_a_signed_message_equals_the_signer_digest_of_the_unsigned_one()
    {
        var message = LogChunk("hello");
        var unsigned = message.ToByteArray();
        new AgentMessageSigner("ten_1", "agt_1", "stream", _time).Sign(message, Key);

        var (ok, digest, signed) = WireDigest(message.ToByteArray());
        var signerDigest = new byte[32];
        AgentMessageBody.ComputeDigest(message, signerDigest);

        ok.Should().BeTrue();
        signed.Should().BeTrue();
        digest.Should().Equal(System.Security.Cryptography.SHA256.HashData(unsigned)).And.Equal(signerDigest);
    }

    [Fact]
    public void The_signature_field_is_excluded_wherever_it_appears_on_the_wire()
    {
        var message = LogChunk("x");
        var payload = message.ToByteArray();
        var signatureField = new AgentMessage { Signature = new MessageSignature { KeyId = "k", Nonce = "n" } }.ToByteArray();

        WireDigest([.. signatureField, .. payload]).Digest.Should().Equal(WireDigest(payload).Digest);
        WireDigest([.. signatureField, .. payload, .. signatureField]).Digest.Should().Equal(WireDigest(payload).Digest);
        WireDigest(payload).Signed.Should().BeFalse();
    }

    [Fact]
    public void A_digest_over_several_segments_equals_the_one_over_a_single_span()
    {
        var message = LogChunk(new string('a', 5000));
        new AgentMessageSigner("ten_1", "agt_1", "stream", _time).Sign(message, Key);
        var wire = message.ToByteArray();
        var first = new Segment(wire.AsMemory(0, 1000));
        var last = first.Append(wire.AsMemory(1000, 3000)).Append(wire.AsMemory(4000));

        var digest = new byte[32];
        AgentMessageBody.TryComputeWireDigest(new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length), digest, out _).Should().BeTrue();

        digest.Should().Equal(WireDigest(wire).Digest);
    }

    [Theory]
    [InlineData("0a")]           // field 1, length missing
    [InlineData("0a05616263")]   // field 1, length 5 but 3 bytes
    [InlineData("0b")]           // wire type 3 (group)
    [InlineData("00")]           // field number 0
    public void Malformed_wire_bytes_are_refused(string hex) =>
        WireDigest(Convert.FromHexString(hex)).Ok.Should().BeFalse();

    [Fact]
    public void Messages_are_numbered_from_one_within_their_stream()
    {
        var signer = new AgentMessageSigner("ten_1", "agt_1", "s1", _time);
        var first = LogChunk("a");
        var second = LogChunk("b");

        signer.Sign(first, Key);
        signer.Sign(second, Key);

        first.Signature.Nonce.Should().Be("s1.1");
        second.Signature.Nonce.Should().Be("s1.2");
        first.Signature.Timestamp.Should().Be(1_767_225_600);
        first.Signature.KeyId.Should().Be("key_a");
    }

    [Fact]
    public void Re_signing_a_message_replaces_its_signature_and_still_verifies()
    {
        var message = LogChunk("retry me");
        new AgentMessageSigner("ten_1", "agt_1", "old", _time).Sign(message, Key);
        new AgentMessageSigner("ten_1", "agt_1", "new", _time).Sign(message, Key);

        message.Signature.Nonce.Should().Be("new.1");
        Verifies(AgentMessage.Parser.ParseFrom(message.ToByteArray())).Should().BeTrue();
    }

    [Fact]
    public void Tampering_with_the_body_the_tenant_the_agent_or_the_type_breaks_the_signature()
    {
        var message = LogChunk("original");
        new AgentMessageSigner("ten_1", "agt_1", "s", _time).Sign(message, Key);
        var received = AgentMessage.Parser.ParseFrom(message.ToByteArray());
        Verifies(received).Should().BeTrue();

        var tampered = received.Clone();
        tampered.LogChunk.Data = ByteString.CopyFromUtf8("rm -rf /");
        Verifies(tampered).Should().BeFalse("the body changed");
        Verifies(received, tenant: "ten_2").Should().BeFalse("the tenant is signed");
        Verifies(received, agent: "agt_2").Should().BeFalse("the agent is signed");

        var retyped = new AgentMessage { JobFinished = new JobFinished { RunId = "run_1" }, Signature = received.Signature };
        Verifies(retyped).Should().BeFalse("the message type is signed");
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
