using Argy.Protocol.V1;

namespace Argy.Protocol.Signing;

/// <summary>
/// Signs the messages of one agent stream. Message n carries the nonce "&lt;stream nonce&gt;.&lt;n&gt;": the
/// stream nonce (from the Connect metadata) ties every message to this stream, and the sequence, which the
/// receiver requires to grow by exactly one, makes a replayed, dropped or reordered message visible without
/// any per-message memory on the receiver.
/// </summary>
public sealed class AgentMessageSigner(string tenantId, string agentId, string streamNonce, TimeProvider time)
{
    private long _sequence;

    public string StreamNonce { get; } = streamNonce;

    /// <summary>Signs (or re-signs) the message as the next one of the stream, replacing any earlier signature.</summary>
    public void Sign(AgentMessage message, SigningKey key)
    {
        Span<byte> body = stackalloc byte[SigningScheme.HashSize];
        AgentMessageBody.ComputeDigest(message, body);
        var nonce = SigningScheme.MessageNonce(StreamNonce, ++_sequence);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        var fields = new SignedFields
        {
            KeyId = key.KeyId,
            Timestamp = timestamp,
            Nonce = nonce,
            TenantId = tenantId,
            Principal = agentId,
            Target = SigningScheme.MessageTarget(message.PayloadCase),
            BodySha256 = body,
        };
        message.Signature = new MessageSignature
        {
            KeyId = key.KeyId,
            Timestamp = timestamp,
            Nonce = nonce,
            Signature = HmacSignature.ComputeHex(key, fields),
        };
    }
}
