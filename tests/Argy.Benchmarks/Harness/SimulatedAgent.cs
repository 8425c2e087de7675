using System.Diagnostics;
using System.Threading.Channels;
using Argy.Protocol;
using Argy.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;

namespace Argy.Benchmarks.Harness;

/// <summary>
/// A lightweight agent speaking the real protocol with real credentials, without running processes: what
/// the fleet and throughput scenarios multiply by thousands.
/// </summary>
internal sealed class SimulatedAgent(AgentIdentity identity, int capacity, bool completeJobs)
{
    private readonly System.Threading.Channels.Channel<AgentMessage> _outbox = System.Threading.Channels.Channel.CreateUnbounded<AgentMessage>(new UnboundedChannelOptions { SingleReader = true });

    public AgentIdentity Identity { get; } = identity;

    /// <summary>Called with the AssignJob and the Stopwatch timestamp at which it was read.</summary>
    public Action<AssignJob, long>? Assigned { get; init; }

    public Action<JobFinished>? Finished { get; init; }

    public bool Connected { get; private set; }

    public TaskCompletionSource Welcomed { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Holds one session until the stream ends; returns the status it ended with.</summary>
    public async Task<StatusCode> RunSessionAsync(GrpcChannel channel, CancellationToken cancellationToken)
    {
        var client = new AgentGateway.AgentGatewayClient(channel);
        var headers = new Metadata
        {
            { ProtocolHeaders.Authorization, $"{ProtocolHeaders.ApiKeyScheme} {Identity.Credential}" },
            { ProtocolHeaders.AgentId, Identity.AgentId },
            { ProtocolHeaders.TenantId, Identity.TenantId },
        };
        try
        {
            using var call = client.Connect(headers, cancellationToken: cancellationToken);
            await call.RequestStream.WriteAsync(new AgentMessage
            {
                Hello = new Hello { AgentId = Identity.AgentId, Version = "bench", Os = "linux", Arch = "x64", Hostname = "bench", Capacity = capacity },
            }, cancellationToken);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var writer = WriteLoop(call.RequestStream, stop.Token);
            try
            {
                while (await call.ResponseStream.MoveNext(cancellationToken))
                {
                    Handle(call.ResponseStream.Current);
                }

                return StatusCode.OK;
            }
            finally
            {
                Connected = false;
                stop.Cancel();
                await writer.ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        catch (RpcException e)
        {
            Connected = false;
            return e.StatusCode;
        }
    }

    public void Send(AgentMessage message) => _outbox.Writer.TryWrite(message);

    public void SendHeartbeat() => Send(new AgentMessage { Heartbeat = new Heartbeat { SentAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) } });

    public void ResetWelcome() => Welcomed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Handle(ControlMessage message)
    {
        switch (message.PayloadCase)
        {
            case ControlMessage.PayloadOneofCase.Welcome:
                Connected = true;
                Welcomed.TrySetResult();
                break;
            case ControlMessage.PayloadOneofCase.AssignJob:
                var now = Stopwatch.GetTimestamp();
                Assigned?.Invoke(message.AssignJob, now);
                if (completeJobs)
                {
                    var runId = message.AssignJob.RunId;
                    Send(new AgentMessage { JobAccepted = new JobAccepted { RunId = runId } });
                    Send(new AgentMessage { JobFinished = new JobFinished { RunId = runId, Outcome = JobOutcome.Succeeded, Duration = new Duration() } });
                }

                break;
        }
    }

    private async Task WriteLoop(IClientStreamWriter<AgentMessage> stream, CancellationToken cancellationToken)
    {
        await foreach (var message in _outbox.Reader.ReadAllAsync(cancellationToken))
        {
            await stream.WriteAsync(message, cancellationToken);
        }
    }

    public static GrpcChannel Channel(string url) => GrpcChannel.ForAddress(url, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
        },
    });
}
