using System.Globalization;
using Argy.Agent.Configuration;
using Argy.Agent.Jobs;
using Argy.Protocol;
using Argy.Protocol.Signing;
using Argy.Protocol.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Argy.Agent.Connection;

/// <summary>What the agent presents when it opens a session: call metadata and the Hello message.</summary>
internal sealed class HelloFactory(AgentCredentialSource credentials, JobRegistry registry, IOptions<AgentOptions> options, TimeProvider time)
{
    /// <summary>
    /// The metadata of a new stream: in apikey mode the credential itself; in hmac mode a signature over the
    /// stream's opening with a fresh nonce, which also names the stream in every message's nonce.
    /// </summary>
    public StreamOpening Open()
    {
        var current = credentials.Current;
        var state = current.State;
        var headers = new Metadata
        {
            { ProtocolHeaders.AgentId, state.AgentId },
            { ProtocolHeaders.TenantId, state.TenantId },
        };
        if (current.Key is not { } key)
        {
            headers.Add(ProtocolHeaders.Authorization, $"{ProtocolHeaders.ApiKeyScheme} {state.Credential}");
            return new StreamOpening(headers, null);
        }

        var nonce = ConnectSignature.NewNonce();
        var signature = ConnectSignature.Create(key, state.TenantId, state.AgentId, nonce, time.GetUtcNow().ToUnixTimeSeconds());
        headers.Add(ProtocolHeaders.KeyId, signature.KeyId);
        headers.Add(ProtocolHeaders.Timestamp, signature.Timestamp.ToString(CultureInfo.InvariantCulture));
        headers.Add(ProtocolHeaders.Nonce, signature.Nonce);
        headers.Add(ProtocolHeaders.Signature, signature.Signature);
        return new StreamOpening(headers, new StreamSigner(new AgentMessageSigner(state.TenantId, state.AgentId, nonce, time), credentials, key));
    }

    public AgentMessage CreateHello() => new()
    {
        Hello = new Hello
        {
            AgentId = credentials.Current.State.AgentId,
            Version = AgentInfo.Version,
            Os = AgentInfo.Os,
            Arch = AgentInfo.Arch,
            Hostname = AgentInfo.Hostname,
            Tags = { options.Value.Tags },
            Capacity = options.Value.Capacity,
            RunningRunIds = { registry.ActiveRunIds() },
        },
    };
}
