using Argy.ControlPlane.Agents;
using Argy.ControlPlane.Deployments;
using Argy.ControlPlane.Dispatch;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Argy.Protocol;
using Argy.Protocol.Signing;
using Argy.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Gateway;

/// <summary>
/// The agents' side of the control plane: one long-lived stream per agent. The call authenticates from its
/// metadata, expects Hello, answers Welcome, reconciles what the agent still runs, and from then on relays
/// assignments one way and results, logs and heartbeats the other.
/// </summary>
public sealed partial class AgentGatewayService(
    AgentStore agents,
    DeploymentStore deployments,
    AgentMessageHandler handler,
    Dispatcher dispatcher,
    AgentAuthenticator authenticator,
    AgentCredentials credentials,
    SignatureVerifier verifier,
    GatewayConnections connections,
    IOptions<AgentsOptions> options,
    TimeProvider time,
    ILogger<AgentGatewayService> logger)
{
    private static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(30);

    // Bound by AgentGatewayMethodProvider to the method of the generated contract, with a request marshaller
    // that keeps each message's body digest for signature checks.
    public async Task Connect(IAsyncStreamReader<ReceivedAgentMessage> requestStream, IServerStreamWriter<ControlMessage> responseStream, ServerCallContext context)
    {
        var auth = Authenticate(context);
        connections.Add(auth);
        try
        {
            var (session, source) = await OpenAsync(auth, requestStream, context);
            await Serve(auth, session, source, requestStream, responseStream, context);
        }
        finally
        {
            connections.Remove(auth);
        }
    }

    /// <summary>
    /// Hello to Welcome. Separate from <see cref="Serve"/> so that what only the opening needs (the agent's row,
    /// the Hello) is not held for the days the stream stays open.
    /// </summary>
    private async Task<(AgentSession Session, Audit.AuditSource Source)> OpenAsync(
        StreamAuthentication auth, IAsyncStreamReader<ReceivedAgentMessage> requestStream, ServerCallContext context)
    {
        var agent = auth.TakeAgent();
        var scope = auth.Scope;
        var hello = await ReadHello(requestStream, auth, context);

        var session = new AgentSession(
            scope, agent.Id, agent.Name, Json.ReadList(agent.Tags).ToHashSet(StringComparer.Ordinal), Math.Max(1, hello.Capacity));
        var connectedAt = time.GetUtcNow();
        session.Touch(connectedAt);
        var (kept, abandoned) = Reconcile(scope, agent.Id, hello.RunningRunIds);
        var replaced = dispatcher.Register(session, kept);
        replaced?.Close(new Goodbye { Reason = Goodbye.Types.Reason.Superseded, Message = "A newer connection of this agent took over." });
        var source = Audit.AuditSource.Of(context.GetHttpContext());
        agents.RecordHello(scope, agent.Id, new AgentHello(hello.Hostname, hello.Os, hello.Arch, hello.Version, [.. hello.Tags], session.Capacity), source);
        // RecordHello stored the activity time; from here on the session monitor watches for silence and writes last-seen.
        session.ActivityPersisted(connectedAt);
        connections.Attach(auth, session);
        LogConnected(logger, agent.Id, agent.Name, scope.TenantId, hello.Version, context.Peer);

        var welcome = new Welcome
        {
            HeartbeatInterval = Duration.FromTimeSpan(options.Value.HeartbeatInterval),
            MaxLogChunkBytes = options.Value.MaxLogChunkBytes,
            AgentName = agent.Name,
        };
        welcome.Tags.AddRange(session.Tags);
        welcome.AbandonedRunIds.AddRange(abandoned);
        session.Send(new ControlMessage { Welcome = welcome });
        foreach (var runId in kept)
        {
            // The agent may hold it accepted but not started (StartJob lost with the old stream); a started run ignores this.
            session.Send(new ControlMessage { StartJob = new StartJob { RunId = runId } });
        }

        dispatcher.Dispatch(scope);
        Observability.ArgyMetrics.StreamsOpened.Inc();
        return (session, source);
    }

    private async Task Serve(
        StreamAuthentication auth, AgentSession session, Audit.AuditSource source,
        IAsyncStreamReader<ReceivedAgentMessage> requestStream, IServerStreamWriter<ControlMessage> responseStream, ServerCallContext context)
    {
        auth.Attach(
            () => session.Close(new Goodbye
            {
                Reason = Goodbye.Types.Reason.Reauthenticate,
                Message = "The credential this session authenticated with has expired after a rotation; reconnect with the current one.",
            }),
            session.Closed);

        var failed = false;
        var silent = false;
        // The session's own token is the one to stop on: the end of the call aborts it (no linked source per stream).
        var callEnded = context.CancellationToken.UnsafeRegister(static state => ((AgentSession)state!).Abort(), session);
        var stop = session.Closed;
        var writer = WriteLoop(session, responseStream, stop);
        try
        {
            while (await requestStream.MoveNext(stop))
            {
                Verify(auth, requestStream.Current, context);
                await handler.HandleAsync(session, requestStream.Current.Message, stop);
            }
        }
        catch (OperationCanceledException) when (session.FellSilent && session.ClosedWith is null)
        {
            // Missed heartbeats: the agent is gone (Disconnected), not misbehaving (Error).
            LogSilent(logger, session.AgentId, IdleLimit);
            silent = true;
        }
        catch (OperationCanceledException) when (session.Closed.IsCancellationRequested || context.CancellationToken.IsCancellationRequested)
        {
        }
        catch (RpcException e) when (e.StatusCode is not (StatusCode.InvalidArgument or StatusCode.Unauthenticated))
        {
            failed = e.StatusCode != StatusCode.Cancelled;
        }
        catch (IOException)
        {
            failed = true;
        }
        finally
        {
            // Missed heartbeats can surface as a cancelled call rather than a cancelled read: the session monitor's
            // verdict decides, unless the control plane said goodbye first.
            silent |= session.FellSilent && session.ClosedWith is null && !context.CancellationToken.IsCancellationRequested;
            session.Abort();
            await writer;
            EndSession(session, failed, silent, source);
            await callEnded.DisposeAsync();
            session.Dispose();
        }

        if (session.ClosedWith is { Reason: Goodbye.Types.Reason.Revoked } goodbye)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, goodbye.Message));
        }
    }

    private TimeSpan IdleLimit => options.Value.HeartbeatInterval * options.Value.MissedHeartbeats;

    private StreamAuthentication Authenticate(ServerCallContext context)
    {
        // Straight from the HTTP request: context.RequestHeaders would build (and keep, for the stream's life) a
        // copy of every header. A header sent twice counts as missing.
        var headers = context.GetHttpContext().Request.Headers;
        string? Header(string key) => headers.TryGetValue(key, out var values) && values.Count == 1 ? values[0] : null;
        var result = authenticator.Authenticate(Header, SigningScheme.ConnectTarget, ConnectSignature.EmptyBodySha256, context.Peer, "grpc Connect");
        if (result.Identity is null)
        {
            throw Refuse(result.Revoked ? StatusCode.PermissionDenied : StatusCode.Unauthenticated, result.Reason, Header(ProtocolHeaders.AgentId));
        }

        return new StreamAuthentication(result.Identity, credentials, verifier, time);
    }

    /// <summary>Checks a message's signature (hmac mode); a failure ends the stream with UNAUTHENTICATED.</summary>
    private void Verify(StreamAuthentication auth, ReceivedAgentMessage received, ServerCallContext context)
    {
        var check = auth.Verify(received);
        if (check != SignatureCheck.Valid)
        {
            var reason = AgentAuthenticator.Describe(check);
            authenticator.AuditRejected(auth.TenantId, auth.AgentId, reason, context.Peer, "grpc Connect#" + received.Message.PayloadCase);
            throw Refuse(StatusCode.Unauthenticated, reason, auth.AgentId);
        }
    }

    private RpcException Refuse(StatusCode code, string message, string? agentId)
    {
        LogRefused(logger, agentId ?? "(none)", code, message);
        return new RpcException(new Status(code, message));
    }

    private async Task<Hello> ReadHello(IAsyncStreamReader<ReceivedAgentMessage> requestStream, StreamAuthentication auth, ServerCallContext context)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        timeout.CancelAfter(HelloTimeout);
        if (!await requestStream.MoveNext(timeout.Token))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "The stream ended before Hello."));
        }

        Verify(auth, requestStream.Current, context);
        var hello = requestStream.Current.Message.Hello
            ?? throw new RpcException(new Status(StatusCode.InvalidArgument, "The first message of a stream must be Hello."));
        if (hello.AgentId != auth.AgentId)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "Hello.agent_id does not match the credential's agent."));
        }

        if (hello.Capacity is < 0 or > 1024)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "Hello.capacity must be between 1 and 1024."));
        }

        return hello;
    }

    /// <summary>
    /// Matches what the control plane thinks the agent holds with what the agent says it runs. Runs the agent
    /// still has stay on it; runs it lost are requeued (never accepted) or failed (were running); runs it holds
    /// that the control plane no longer expects are named back so the agent drops them.
    /// </summary>
    private (List<string> Kept, List<string> Abandoned) Reconcile(TenantScope scope, string agentId, IEnumerable<string> reported)
    {
        var onAgent = reported.ToHashSet(StringComparer.Ordinal);
        var kept = new List<string>();
        foreach (var run in deployments.ActiveOnAgent(scope, agentId))
        {
            if (onAgent.Remove(run.Id))
            {
                // Its JobAccepted may have been lost with the previous connection: the agent has it, so it runs.
                if (run.Status == DeploymentStatus.Assigned)
                {
                    deployments.MarkRunning(scope, run.Id, agentId);
                }

                kept.Add(run.Id);
            }
            else if (run.Status == DeploymentStatus.Assigned)
            {
                deployments.Requeue(scope, run.Id, agentId);
            }
            else
            {
                handler.FailLostRun(scope, run.Id, agentId, "The agent reconnected without this run: it was lost (agent restarted?).");
            }
        }

        return (kept, [.. onAgent]);
    }

    private static async Task WriteLoop(AgentSession session, IServerStreamWriter<ControlMessage> responseStream, CancellationToken cancellationToken)
    {
        try
        {
            // WaitToReadAsync/TryRead rather than ReadAllAsync: no enumerator object per stream.
            var outbox = session.Outbox;
            while (await outbox.WaitToReadAsync(cancellationToken))
            {
                while (outbox.TryRead(out var message))
                {
                    await responseStream.WriteAsync(message, cancellationToken);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException or RpcException)
        {
            // The peer is gone or the call ended; the read side reports why.
        }
        finally
        {
            // Everything the control plane wanted to say (a goodbye included) is written: end the call.
            session.Abort();
        }
    }

    private void EndSession(AgentSession session, bool failed, bool silent, Audit.AuditSource source)
    {
        dispatcher.Unregister(session);
        if (dispatcher.SessionOf(session.AgentId) is not null)
        {
            // Superseded: the newer session owns the agent's runs and status now.
            return;
        }

        // Who ended it: the control plane when the agent fell silent or was told goodbye, else the agent itself.
        var byControlPlane = silent || session.ClosedWith is not null;
        var reason = silent ? $"No message for {IdleLimit}: missed heartbeats."
            : session.ClosedWith is { } goodbye ? $"Closed by the control plane ({goodbye.Reason}): {goodbye.Message}"
            : failed ? "The stream failed." : "The agent closed its stream.";
        agents.RecordDisconnect(session.Scope, session.AgentId, failed,
            byControlPlane ? Audit.AuditActor.System : Audit.AuditActor.Agent(session.AgentId), reason, source);
        if (failed)
        {
            Observability.ArgyMetrics.StreamErrors.WithLabels("failed").Inc();
        }
        foreach (var runId in dispatcher.RunsOf(session))
        {
            // An assignment counts only once accepted: what the agent never accepted goes back to the queue.
            if (deployments.Requeue(session.Scope, runId, session.AgentId))
            {
                LogRequeued(logger, runId, session.AgentId);
            }
        }

        LogDisconnected(logger, session.AgentId, failed);
        dispatcher.Dispatch(session.Scope);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {AgentId} ({AgentName}) of tenant {TenantId} connected, version {Version}, from {Peer}")]
    private static partial void LogConnected(ILogger logger, string agentId, string agentName, string tenantId, string version, string peer);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {AgentId} disconnected (failed: {Failed})")]
    private static partial void LogDisconnected(ILogger logger, string agentId, bool failed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused agent connection for {AgentId}: {Code} {Reason}")]
    private static partial void LogRefused(ILogger logger, string agentId, StatusCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent {AgentId} sent nothing for {Limit}; closing its session")]
    private static partial void LogSilent(ILogger logger, string agentId, TimeSpan limit);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} was never accepted by agent {AgentId}; queued again")]
    private static partial void LogRequeued(ILogger logger, string runId, string agentId);
}
