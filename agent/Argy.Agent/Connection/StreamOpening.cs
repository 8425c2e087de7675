using Argy.Protocol.Signing;
using Argy.Protocol.V1;
using Grpc.Core;

namespace Argy.Agent.Connection;

/// <summary>What opens one stream: its call metadata and, in hmac mode, the signer of its messages.</summary>
internal sealed record StreamOpening(Metadata Headers, StreamSigner? Signer);

/// <summary>
/// Signs each message of one stream as it is written. The stream keeps its nonce and sequence; the key is the
/// current credential's, so a rotation takes effect on the next message (the control plane accepts both keys
/// during the grace period).
/// </summary>
internal sealed class StreamSigner(AgentMessageSigner signer, AgentCredentialSource credentials, SigningKey openingKey)
{
    public void Sign(AgentMessage message) => signer.Sign(message, credentials.Current.Key ?? openingKey);
}
