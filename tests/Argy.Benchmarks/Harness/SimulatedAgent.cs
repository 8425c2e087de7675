using System.Diagnostics;
using System.Threading.Channels;
using Argy.Agent.Connection;
using Argy.Protocol;
using Argy.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;

namespace Argy.Benchmarks.Harness;

/// <summary>
/// A lightweight agent speaking the real protocol with real credentials, without running processes: what
/// the fleet and throughput scenarios multiply by thousands. Like the real agent it heartbeats at the interval
/// the Welcome names (a timer started at Welcome) and reconnects with the real agent's backoff
/// (<see cref="ReconnectBackoff"/>, <see cref="KeepConnectedAsync"/>).
/// </summary>
internal sealed class SimulatedAgent(AgentIdentity identity, int capacity, bool completeJobs)
{
    private readonly System.Threading.Channels.Channel<AgentMessage> _outbox = System.Threading.Channels.Channel.CreateUnbounded<AgentMessage>(new UnboundedChannelOptions { SingleReader = true });

    public AgentIdentity Identity { get; } = identity;

    /// <summary>Called with the AssignJob and the Stopwatch timestamp at which it was read.</summary>
    public Action<AssignJob, long>? Assigned { get; init; }

    public Action<JobFinished>? Finished { get; init; }

    private static long _heartbeatsSent;
    private static long _failedAttempts;
    private static long _refusedAttempts;
    private static long _failedAfterMark;
    private static long _markTimestamp = long.MaxValue;

    public bool Connected { get; private set; }

    /// <summary>Why the last session failed, when it ended with an error.</summary>
    public string? LastFailure { get; private set; }

    /// <summary>How many failed sessions ended with each reason (status and message), over all simulated agents.</summary>
    public static System.Collections.Concurrent.ConcurrentDictionary<string, int> FailureReasons { get; } = new();

    /// <summary>Whether the last session got its Welcome.</summary>
    public bool Established { get; private set; }

    /// <summary>Heartbeats sent by all simulated agents so far.</summary>
    public static long HeartbeatsSent => Interlocked.Read(ref _heartbeatsSent);

    /// <summary>Sessions of all simulated agents that ended in a failure and were followed by a backoff.</summary>
    public static long FailedAttempts => Interlocked.Read(ref _failedAttempts);

    /// <summary>Connection attempts of all simulated agents that failed before any Welcome (refused, reset, timed out).</summary>
    public static long RefusedAttempts => Interlocked.Read(ref _refusedAttempts);

    /// <summary>
    /// Attempts started after <see cref="MarkNow"/> (once the control plane listens) that failed other than by a
    /// refused TCP connection: what the running control plane failed, e.g. under a reconnection storm.
    /// </summary>
    public static long FailedAfterMark => Interlocked.Read(ref _failedAfterMark);

    /// <summary>From now on, count failed attempts separately (see <see cref="FailedAfterMark"/>).</summary>
    public static void MarkNow() => Interlocked.Exchange(ref _markTimestamp, Stopwatch.GetTimestamp());

    /// <summary>The most consecutive failures any agent has had (how far up the backoff it went).</summary>
    public static int MostConsecutiveFailures;

    public TaskCompletionSource Welcomed { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Holds one session until the stream ends; returns the status it ended with.</summary>
    public async Task<StatusCode> RunSessionAsync(GrpcChannel channel, CancellationToken cancellationToken)
    {
        Established = false;
        LastFailure = null;
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
            var heartbeat = Task.CompletedTask;
            try
            {
                while (await call.ResponseStream.MoveNext(cancellationToken))
                {
                    var message = call.ResponseStream.Current;
                    if (message.PayloadCase == ControlMessage.PayloadOneofCase.Welcome)
                    {
                        heartbeat = HeartbeatLoop(HeartbeatInterval(message.Welcome), stop.Token);
                    }

                    Handle(message);
                }

                return StatusCode.OK;
            }
            finally
            {
                Connected = false;
                stop.Cancel();
                await writer.ContinueWith(_ => { }, TaskScheduler.Default);
                await heartbeat.ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        catch (RpcException e)
        {
            Connected = false;
            LastFailure = $"{e.StatusCode}: {(e.Status.DebugException?.Message ?? e.Status.Detail)}";
            return e.StatusCode;
        }
    }

    /// <summary>
    /// Holds a session open for as long as <paramref name="cancellationToken"/> allows, reconnecting as the real
    /// agent's ConnectionService does: after a session that lasted <see cref="ReconnectBackoff.StableSession"/> the
    /// count of failures starts over, and each failure waits <see cref="ReconnectBackoff.DelayFor"/> (full jitter,
    /// 1 s doubling to 60 s). Stops for good when the credential is refused, as the agent does.
    /// </summary>
    public async Task KeepConnectedAsync(GrpcChannel channel, CancellationToken cancellationToken)
    {
        var backoff = new ReconnectBackoff();
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            var status = await RunSessionAsync(channel, cancellationToken);
            if (cancellationToken.IsCancellationRequested || status is StatusCode.PermissionDenied or StatusCode.Unauthenticated)
            {
                return;
            }

            failures = Established && Stopwatch.GetElapsedTime(started) >= ReconnectBackoff.StableSession ? 1 : failures + 1;
            Interlocked.Increment(ref _failedAttempts);
            if (!Established)
            {
                Interlocked.Increment(ref _refusedAttempts);
            }

            // A refused TCP connection is the port still closed; an attempt may also have waited on a connection the
            // shared channel began to open before the mark. Anything else failed on a listening control plane.
            var refusedConnection = LastFailure?.Contains("Connection refused", StringComparison.Ordinal) == true;
            if (started >= Interlocked.Read(ref _markTimestamp) && !refusedConnection)
            {
                Interlocked.Increment(ref _failedAfterMark);
            }

            FailureReasons.AddOrUpdate(LastFailure ?? $"{status} (stream ended)", 1, (_, n) => n + 1);
            InterlockedMax(ref MostConsecutiveFailures, failures);
            try
            {
                await Task.Delay(backoff.DelayFor(failures), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static void InterlockedMax(ref int location, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref location)) && Interlocked.CompareExchange(ref location, value, current) != current)
        {
        }
    }

    /// <summary>The real agent's rule: the Welcome's interval, 15 s when it names none, never under 1 s.</summary>
    private static TimeSpan HeartbeatInterval(Welcome welcome)
    {
        var interval = welcome.HeartbeatInterval?.ToTimeSpan() ?? TimeSpan.Zero;
        return interval <= TimeSpan.Zero ? Argy.Agent.Connection.AgentSession.DefaultHeartbeatInterval
            : TimeSpan.FromTicks(Math.Max(interval.Ticks, Argy.Agent.Connection.AgentSession.MinimumHeartbeatInterval.Ticks));
    }

    private async Task HeartbeatLoop(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            SendHeartbeat();
        }
    }

    public void Send(AgentMessage message) => _outbox.Writer.TryWrite(message);

    public void SendHeartbeat()
    {
        Interlocked.Increment(ref _heartbeatsSent);
        Send(new AgentMessage { Heartbeat = new Heartbeat { SentAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) } });
    }

    public void ResetWelcome() => Welcomed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Handle(ControlMessage message)
    {
        switch (message.PayloadCase)
        {
            case ControlMessage.PayloadOneofCase.Welcome:
                Connected = true;
                Established = true;
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

    /// <summary>A channel set up as the real agent's (multiple HTTP/2 connections, its keepalive pings), shared by many agents.</summary>
    public static GrpcChannel Channel(string url) => GrpcChannel.ForAddress(url, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            ConnectTimeout = TimeSpan.FromSeconds(15),
        },
    });
}
