using Argy.Agent.Jobs;
using Argy.Agent.Outbound;
using Argy.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Argy.Agent.Connection;

/// <summary>
/// One Connect call from Hello to its end. Three loops share it: the writer (the only code that writes to the
/// request stream), the reader (dispatches what the control plane sends) and the heartbeat.
/// </summary>
internal sealed partial class AgentSession(
    AgentGateway.AgentGatewayClient client,
    HelloFactory hello,
    AgentCredentialSource credentials,
    OutboundQueue outbound,
    UnacknowledgedMessages unacknowledged,
    JobRegistry registry,
    JobDispatcher dispatcher,
    TimeProvider time,
    ILogger<AgentSession> logger)
{
    public static readonly TimeSpan WelcomeTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultHeartbeatInterval = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan MinimumHeartbeatInterval = TimeSpan.FromSeconds(1);

    /// <summary>After a broken write, how long the reader gets to deliver the call's status (which says why).</summary>
    private static readonly TimeSpan StatusGrace = TimeSpan.FromSeconds(5);

    /// <summary>After the agent closed its side, how long the control plane gets to close its side.</summary>
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);

    private volatile bool _established;

    /// <summary>A session is open (Welcome received) and its writer is sending.</summary>
    public bool IsEstablished => _established;

    public async Task<SessionResult> RunAsync(CancellationToken stop)
    {
        try
        {
            return await RunSessionAsync(stop);
        }
        finally
        {
            _established = false;
        }
    }

    private async Task<SessionResult> RunSessionAsync(CancellationToken stop)
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var established = false;
        try
        {
            var opening = hello.Open();
            using var call = client.Connect(opening.Headers, cancellationToken: session.Token);
            var helloMessage = hello.CreateHello();
            opening.Signer?.Sign(helloMessage);
            await call.RequestStream.WriteAsync(helloMessage, session.Token);

            var first = await ReadFirstAsync(call.ResponseStream, session.Token);
            if (first.PayloadCase == ControlMessage.PayloadOneofCase.Goodbye)
            {
                return FromGoodbye(first.Goodbye, established: false);
            }

            if (first.PayloadCase != ControlMessage.PayloadOneofCase.Welcome)
            {
                return new SessionResult(SessionOutcome.Reconnect, false, $"expected Welcome, got {first.PayloadCase}");
            }

            established = true;
            var heartbeatInterval = Apply(first.Welcome);
            _established = true;
            return await ServeAsync(call, opening.Signer, heartbeatInterval, session, stop);
        }
        catch (Exception ex) when (stop.IsCancellationRequested && ex is OperationCanceledException or RpcException)
        {
            return new SessionResult(SessionOutcome.Closed, established, "agent stopping");
        }
        catch (RpcException ex)
        {
            return Classify(ex, established);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stop.IsCancellationRequested)
        {
            return new SessionResult(SessionOutcome.Reconnect, established, ex.Message);
        }
    }

    private async Task<ControlMessage> ReadFirstAsync(IAsyncStreamReader<ControlMessage> responses, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(WelcomeTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await responses.MoveNext(linked.Token)
                ? responses.Current
                : throw new IOException("the control plane closed the stream before Welcome");
        }
        catch (Exception ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested
                                   && ex is OperationCanceledException or RpcException)
        {
            throw new TimeoutException($"no Welcome within {WelcomeTimeout.TotalSeconds:0} s", ex);
        }
    }

    private TimeSpan Apply(Welcome welcome)
    {
        var interval = welcome.HeartbeatInterval?.ToTimeSpan() ?? TimeSpan.Zero;
        interval = interval <= TimeSpan.Zero ? DefaultHeartbeatInterval : TimeSpan.FromTicks(Math.Max(interval.Ticks, MinimumHeartbeatInterval.Ticks));
        outbound.SetMaxLogChunkBytes(welcome.MaxLogChunkBytes);

        LogConnected(welcome.AgentName, welcome.Tags, interval);
        if (welcome.AbandonedRunIds.Count > 0)
        {
            dispatcher.Abandon(welcome.AbandonedRunIds);
            foreach (var runId in welcome.AbandonedRunIds)
            {
                unacknowledged.Forget(runId);
            }
        }

        // A session that opens while draining must say so too, or the control plane would keep routing work here.
        if (registry.IsDraining)
        {
            outbound.Send(new AgentMessage { Draining = new Draining { Reason = "shutting down" } });
        }

        return interval;
    }

    private async Task<SessionResult> ServeAsync(
        AsyncDuplexStreamingCall<AgentMessage, ControlMessage> call,
        StreamSigner? signer,
        TimeSpan heartbeatInterval,
        CancellationTokenSource session,
        CancellationToken stop)
    {
        var writer = WriteLoopAsync(call.RequestStream, signer, session.Token);
        var reader = ReadLoopAsync(call.ResponseStream, session.Token);
        var heartbeat = HeartbeatLoopAsync(heartbeatInterval, session.Token);

        var first = await Task.WhenAny(reader, writer);
        if (first == writer)
        {
            // Either everything is flushed and our side is closed (shutdown), or the stream broke: in both cases
            // the reader ends shortly, with the control plane's last word or the call's status.
            var grace = writer.IsCompletedSuccessfully ? CloseGrace : StatusGrace;
            await ((Task)reader).WaitAsync(grace, time, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await session.CancelAsync();
        await Task.WhenAll(reader, writer, heartbeat).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        if (writer.IsCompletedSuccessfully && !reader.IsCompletedSuccessfully)
        {
            return new SessionResult(SessionOutcome.Closed, true, "agent closed the session");
        }

        if (reader.IsCompletedSuccessfully)
        {
            return writer.IsCompletedSuccessfully && reader.Result.Outcome == SessionOutcome.Reconnect
                ? new SessionResult(SessionOutcome.Closed, true, "agent closed the session")
                : reader.Result;
        }

        var failure = reader.Exception?.InnerException ?? writer.Exception?.InnerException;
        return failure switch
        {
            RpcException rpc when !stop.IsCancellationRequested => Classify(rpc, established: true),
            _ when stop.IsCancellationRequested => new SessionResult(SessionOutcome.Closed, true, "agent stopping"),
            null => new SessionResult(SessionOutcome.Reconnect, true, "session ended"),
            _ => new SessionResult(SessionOutcome.Reconnect, true, failure.Message),
        };
    }

    // Messages are signed as they are written, never when queued: one that waited out a disconnection, or is
    // sent again because it was not acknowledged, carries the new stream's nonce and sequence and a fresh time.
    private async Task WriteLoopAsync(IClientStreamWriter<AgentMessage> requests, StreamSigner? signer, CancellationToken cancellationToken)
    {
        // Older than anything still queued, so order per run is kept: chunks before their JobFinished.
        var resend = unacknowledged.Snapshot();
        if (resend.Count > 0)
        {
            LogResending(resend.Count);
            foreach (var message in resend)
            {
                signer?.Sign(message);
                await requests.WriteAsync(message, cancellationToken);
            }
        }

        while (await outbound.WaitToReadAsync(cancellationToken))
        {
            while (outbound.TryPeek(out var message))
            {
                signer?.Sign(message);
                await requests.WriteAsync(message, cancellationToken);
                outbound.RemoveWritten();
                unacknowledged.Written(message);
            }
        }

        await requests.CompleteAsync();
    }

    private async Task<SessionResult> ReadLoopAsync(IAsyncStreamReader<ControlMessage> responses, CancellationToken cancellationToken)
    {
        while (await responses.MoveNext(cancellationToken))
        {
            var message = responses.Current;
            switch (message.PayloadCase)
            {
                case ControlMessage.PayloadOneofCase.AssignJob:
                    dispatcher.Assign(message.AssignJob);
                    break;
                case ControlMessage.PayloadOneofCase.StartJob:
                    dispatcher.Start(message.StartJob);
                    break;
                case ControlMessage.PayloadOneofCase.CancelJob:
                    dispatcher.Cancel(message.CancelJob);
                    break;
                case ControlMessage.PayloadOneofCase.Ack:
                    Acknowledge(message.Ack);
                    break;
                case ControlMessage.PayloadOneofCase.Goodbye:
                    return FromGoodbye(message.Goodbye, established: true);
                default:
                    LogUnexpected(message.PayloadCase.ToString());
                    break;
            }
        }

        return new SessionResult(SessionOutcome.Reconnect, true, "the control plane closed the stream");
    }

    private void Acknowledge(Ack ack)
    {
        LogAck(ack.RunId, ack.Sequence, ack.Finished);
        unacknowledged.Acknowledge(ack);
        if (ack.Finished)
        {
            registry.MarkReported(ack.RunId);
        }
    }

    private async Task HeartbeatLoopAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            // Picks up a credential `argy-agent rotate` stored meanwhile.
            await credentials.RefreshAsync(cancellationToken);
            Observability.AgentMetrics.LastHeartbeat.Set(time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
            outbound.TrySendHeartbeat(() => new AgentMessage
            {
                Heartbeat = new Heartbeat
                {
                    SentAt = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
                    RunningJobs = registry.RunningCount,
                },
            });
        }
    }

    private static SessionResult FromGoodbye(Goodbye goodbye, bool established)
    {
        var detail = string.IsNullOrWhiteSpace(goodbye.Message) ? goodbye.Reason.ToString() : $"{goodbye.Reason}: {goodbye.Message}";
        var outcome = goodbye.Reason switch
        {
            Goodbye.Types.Reason.Revoked => SessionOutcome.Revoked,
            Goodbye.Types.Reason.Superseded => SessionOutcome.Superseded,
            Goodbye.Types.Reason.Reauthenticate => SessionOutcome.ReconnectNow,
            _ => SessionOutcome.Reconnect,
        };
        return new SessionResult(outcome, established, $"Goodbye {detail}");
    }

    private static SessionResult Classify(RpcException ex, bool established)
    {
        var detail = string.IsNullOrWhiteSpace(ex.Status.Detail) ? ex.StatusCode.ToString() : $"{ex.StatusCode}: {ex.Status.Detail}";
        var outcome = ex.StatusCode switch
        {
            StatusCode.PermissionDenied => SessionOutcome.Revoked,
            StatusCode.Unauthenticated => SessionOutcome.Unauthenticated,
            _ => SessionOutcome.Reconnect,
        };
        return new SessionResult(outcome, established, detail);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected as {AgentName} (routed by tags {Tags}), heartbeat every {Interval}")]
    private partial void LogConnected(string agentName, IEnumerable<string> tags, TimeSpan interval);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ack for run {RunId} up to chunk {Sequence} (finished: {Finished})")]
    private partial void LogAck(string runId, long sequence, bool finished);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sending {Count} unacknowledged message(s) again")]
    private partial void LogResending(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignoring unexpected {Payload} from the control plane")]
    private partial void LogUnexpected(string payload);
}
