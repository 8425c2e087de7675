using System.Buffers;
using System.Runtime.CompilerServices;
using Argy.Protocol.Signing;
using Argy.Protocol.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Argy.ControlPlane.Gateway;

/// <summary>
/// A message as it arrived on an agent's stream: parsed, plus the SHA-256 of its wire bytes without the
/// signature field when it was signed. The digest can only be taken here, while the received bytes exist,
/// and is taken once per message.
/// </summary>
public sealed class ReceivedAgentMessage
{
    private Digest _bodySha256;

    private ReceivedAgentMessage(AgentMessage message) => Message = message;

    public AgentMessage Message { get; }

    /// <summary>Whether the message carried a signature field (and so has a body digest).</summary>
    public bool HasBodyDigest { get; private set; }

    public ReadOnlySpan<byte> BodySha256 => _bodySha256;

    /// <summary>For messages built in-process (tests): signed messages get their digest from their serialization.</summary>
    public static ReceivedAgentMessage From(AgentMessage message) => Parse(new ReadOnlySequence<byte>(message.ToByteArray()));

    public static ReceivedAgentMessage Parse(ReadOnlySequence<byte> wire)
    {
        var received = new ReceivedAgentMessage(AgentMessage.Parser.ParseFrom(wire));
        if (received.Message.Signature is not null)
        {
            received.HasBodyDigest = AgentMessageBody.TryComputeWireDigest(wire, received._bodySha256, out _);
        }

        return received;
    }

    [InlineArray(SigningScheme.HashSize)]
    private struct Digest
    {
        private byte _element;
    }
}

/// <summary>
/// The Connect method with a request marshaller that keeps the body digest (<see cref="ReceivedAgentMessage"/>).
/// Same service and method name as the generated code, so agents see no difference.
/// </summary>
public static class AgentGatewayMethods
{
    public static readonly Method<ReceivedAgentMessage, ControlMessage> Connect = new(
        MethodType.DuplexStreaming,
        AgentGateway.Descriptor.FullName,
        "Connect",
        Marshallers.Create<ReceivedAgentMessage>(
            (_, _) => throw new NotSupportedException("The control plane never sends agent messages."),
            context => ReceivedAgentMessage.Parse(context.PayloadAsReadOnlySequence())),
        Marshallers.Create<ControlMessage>(
            (message, context) =>
            {
                context.SetPayloadLength(message.CalculateSize());
                message.WriteTo(context.GetBufferWriter());
                context.Complete();
            },
            context => ControlMessage.Parser.ParseFrom(context.PayloadAsReadOnlySequence())));
}
