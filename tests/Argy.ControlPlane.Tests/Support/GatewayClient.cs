using System.Globalization;
using Argy.Protocol;
using Argy.Protocol.Signing;
using Argy.Protocol.V1;
using Grpc.Core;

namespace Argy.ControlPlane.Tests.Support;

/// <summary>
/// Plays an agent on the real gRPC gateway, with every knob of the signature exposed so tests can break one
/// thing at a time (tenant, timestamp, nonce, body).
/// </summary>
public sealed class GatewayClient(AgentGateway.AgentGatewayClient client, EnrolledAgent agent, TimeProvider time)
{
    public AsyncDuplexStreamingCall<AgentMessage, ControlMessage>? Call { get; private set; }

    public AgentMessageSigner? Signer { get; private set; }

    public string Nonce { get; private set; } = "";

    public static Metadata ApiKeyHeaders(EnrolledAgent agent, string? credential = null) => new()
    {
        { ProtocolHeaders.AgentId, agent.AgentId },
        { ProtocolHeaders.TenantId, agent.TenantId },
        { ProtocolHeaders.Authorization, "ApiKey " + (credential ?? agent.Credential) },
    };

    public Metadata SignedHeaders(string? nonce = null, long? timestamp = null, string? signedTenant = null, SigningKey? key = null)
    {
        Nonce = nonce ?? ConnectSignature.NewNonce();
        key ??= agent.Key;
        var signature = ConnectSignature.Create(key, signedTenant ?? agent.TenantId, agent.AgentId, Nonce, timestamp ?? time.GetUtcNow().ToUnixTimeSeconds());
        return new Metadata
        {
            { ProtocolHeaders.AgentId, agent.AgentId },
            { ProtocolHeaders.TenantId, agent.TenantId },
            { ProtocolHeaders.KeyId, signature.KeyId },
            { ProtocolHeaders.Timestamp, signature.Timestamp.ToString(CultureInfo.InvariantCulture) },
            { ProtocolHeaders.Nonce, signature.Nonce },
            { ProtocolHeaders.Signature, signature.Signature },
        };
    }

    /// <summary>Opens the stream; in hmac mode messages sent through <see cref="SendAsync"/> are signed for it.</summary>
    public AsyncDuplexStreamingCall<AgentMessage, ControlMessage> Open(Metadata headers)
    {
        Call = client.Connect(headers);
        Signer = agent.AuthMode == "hmac" ? new AgentMessageSigner(agent.TenantId, agent.AgentId, Nonce, time) : null;
        return Call;
    }

    public AgentMessage Hello() => new()
    {
        Hello = new Hello { AgentId = agent.AgentId, Version = "0.1.0", Os = "linux", Arch = "x64", Hostname = "host-1", Capacity = 1 },
    };

    public static AgentMessage Heartbeat(int running = 0) => new() { Heartbeat = new Heartbeat { RunningJobs = running } };

    /// <summary>Signs (when in hmac mode, with the given key or the agent's) and sends.</summary>
    public async Task SendAsync(AgentMessage message, SigningKey? key = null, bool sign = true)
    {
        if (sign && Signer is not null)
        {
            Signer.Sign(message, key ?? agent.Key);
        }

        try
        {
            await Call!.RequestStream.WriteAsync(message);
        }
        catch (RpcException)
        {
            // The control plane already ended the call (e.g. refused the metadata): EndAsync reports why.
        }
    }

    /// <summary>
    /// Sends a log chunk of a run the agent does not hold and waits for its Ack: proof the control plane has
    /// verified and handled it (the control plane acknowledges such chunks without storing them).
    /// </summary>
    public async Task SendAcknowledgedAsync(long sequence, SigningKey? key = null)
    {
        await SendAsync(new AgentMessage { LogChunk = new LogChunk { RunId = "run_nobody_holds", Sequence = sequence, Data = Google.Protobuf.ByteString.CopyFromUtf8("x") } }, key);
        var answer = await ReadAsync();
        answer.PayloadCase.Should().Be(ControlMessage.PayloadOneofCase.Ack);
        answer.Ack.Sequence.Should().Be(sequence);
    }

    public async Task<ControlMessage> ReadAsync(TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        return await Call!.ResponseStream.MoveNext(cancellation.Token)
            ? Call.ResponseStream.Current
            : throw new InvalidOperationException("The control plane ended the stream.");
    }

    /// <summary>Connects, says Hello and returns the Welcome.</summary>
    public async Task<Welcome> ConnectAsync(Metadata? headers = null)
    {
        Open(headers ?? (agent.AuthMode == "hmac" ? SignedHeaders() : ApiKeyHeaders(agent)));
        await SendAsync(Hello());
        var first = await ReadAsync();
        first.PayloadCase.Should().Be(ControlMessage.PayloadOneofCase.Welcome);
        return first.Welcome;
    }

    /// <summary>The status the stream ended with (reading until the end).</summary>
    public async Task<RpcException> EndAsync(TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            while (await Call!.ResponseStream.MoveNext(cancellation.Token))
            {
            }
        }
        catch (RpcException e)
        {
            return e;
        }

        return new RpcException(Call.GetStatus());
    }
}
