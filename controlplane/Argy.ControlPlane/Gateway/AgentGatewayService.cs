using Argy.ControlPlane.Agents;
using Argy.ControlPlane.Deployments;
using Argy.ControlPlane.Dispatch;
using Argy.ControlPlane.Security;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Argy.Protocol;
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
    IOptions<AgentsOptions> options,
    TimeProvider time,
    ILogger<AgentGatewayService> logger) : AgentGateway.AgentGatewayBase
{
    private static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(30);

    public override async Task Connect(IAsyncStreamReader<AgentMessage> requestStream, IServerStreamWriter<ControlMessage> responseStream, ServerCallContext context)
    {
        var agent = Authenticate(context);
        var scope = TenantScope.Of(agent.TenantId);
        var hello = await ReadHello(requestStream, agent, context.CancellationToken);

        var session = new AgentSession(
            scope, agent.Id, agent.Name, Json.ReadList(agent.Tags).ToHashSet(StringComparer.Ordinal), Math.Max(1, hello.Capacity));
        session.Touch(time.GetUtcNow());
        var (kept, abandoned) = Reconcile(scope, agent.Id, hello.RunningRunIds);
        var replaced = dispatcher.Register(session, kept);
        replaced?.Close(new Goodbye { Reason = Goodbye.Types.Reason.Superseded, Message = "A newer connection of this agent took over." });
        agents.RecordHello(scope, agent.Id, new AgentHello(hello.Hostname, hello.Os, hello.Arch, hello.Version, [.. hello.Tags], session.Capacity));
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
        dispatcher.Dispatch(scope);
        Observability.ArgyMetrics.StreamsOpened.Inc();

        var failed = false;
        using var idle = new CancellationTokenSource(IdleLimit, time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, session.Closed, idle.Token);
        var writer = WriteLoop(session, responseStream, stop.Token);
        try
        {
            while (await requestStream.MoveNext(stop.Token))
            {
                idle.CancelAfter(IdleLimit);
                handler.Handle(session, requestStream.Current);
            }
        }
        catch (OperationCanceledException) when (idle.IsCancellationRequested && !session.Closed.IsCancellationRequested)
        {
            failed = true;
            LogSilent(logger, agent.Id, IdleLimit);
        }
        catch (OperationCanceledException) when (session.Closed.IsCancellationRequested || context.CancellationToken.IsCancellationRequested)
        {
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.InvalidArgument)
        {
            failed = e.StatusCode != StatusCode.Cancelled;
        }
        catch (IOException)
        {
            failed = true;
        }
        finally
        {
            session.Abort();
            await writer;
            EndSession(session, failed);
            session.Dispose();
        }

        if (session.ClosedWith is { Reason: Goodbye.Types.Reason.Revoked } goodbye)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, goodbye.Message));
        }
    }

    private TimeSpan IdleLimit => options.Value.HeartbeatInterval * options.Value.MissedHeartbeats;

    private AgentRow Authenticate(ServerCallContext context)
    {
        var headers = context.RequestHeaders;
        var agentId = headers.GetValue(ProtocolHeaders.AgentId);
        var tenantId = headers.GetValue(ProtocolHeaders.TenantId);
        var authorization = headers.GetValue(ProtocolHeaders.Authorization);
        var prefix = ProtocolHeaders.ApiKeyScheme + " ";
        if (string.IsNullOrEmpty(agentId) || string.IsNullOrEmpty(tenantId) || authorization is null
            || !authorization.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
            || !OpaqueToken.TryParse(OpaqueToken.AgentCredentialKind, authorization[prefix.Length..].Trim(), out var credential)
            || "agt_" + credential.Id != agentId)
        {
            throw Refuse(StatusCode.Unauthenticated, "Missing or malformed agent credentials: send authorization, x-argy-agent-id and x-argy-tenant-id.", agentId);
        }

        var agent = agents.Get(TenantScope.Of(tenantId), agentId);
        if (agent?.RevokedAt is not null)
        {
            throw Refuse(StatusCode.PermissionDenied, "This agent has been revoked. Enroll it again to reconnect.", agentId);
        }

        if (agent is null || !OpaqueToken.Verify(credential.Secret, agent.CredentialHash))
        {
            throw Refuse(StatusCode.Unauthenticated, "Unknown agent or wrong credential.", agentId);
        }

        return agent;
    }

    private RpcException Refuse(StatusCode code, string message, string? agentId)
    {
        LogRefused(logger, agentId ?? "(none)", code, message);
        return new RpcException(new Status(code, message));
    }

    private static async Task<Hello> ReadHello(IAsyncStreamReader<AgentMessage> requestStream, AgentRow agent, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HelloTimeout);
        if (!await requestStream.MoveNext(timeout.Token))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "The stream ended before Hello."));
        }

        var hello = requestStream.Current.Hello
            ?? throw new RpcException(new Status(StatusCode.InvalidArgument, "The first message of a stream must be Hello."));
        if (hello.AgentId != agent.Id)
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
            await foreach (var message in session.Outbox.ReadAllAsync(cancellationToken))
            {
                await responseStream.WriteAsync(message, cancellationToken);
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

    private void EndSession(AgentSession session, bool failed)
    {
        dispatcher.Unregister(session);
        if (dispatcher.SessionOf(session.AgentId) is not null)
        {
            // Superseded: the newer session owns the agent's runs and status now.
            return;
        }

        agents.RecordDisconnect(session.Scope, session.AgentId, failed);
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
