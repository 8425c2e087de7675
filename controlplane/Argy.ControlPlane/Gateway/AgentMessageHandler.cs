using Argy.ControlPlane.Agents;
using Argy.ControlPlane.Deployments;
using Argy.ControlPlane.Dispatch;
using Argy.ControlPlane.Tenancy;
using Argy.Protocol.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Gateway;

/// <summary>What the control plane does with each message an agent sends after Hello.</summary>
public sealed partial class AgentMessageHandler(
    DeploymentStore deployments,
    LogIngest ingest,
    Dispatcher dispatcher,
    RunSignals signals,
    IOptions<AgentsOptions> options,
    TimeProvider time,
    ILogger<AgentMessageHandler> logger)
{
    public async ValueTask HandleAsync(AgentSession session, AgentMessage message, CancellationToken cancellationToken)
    {
        // In memory only: liveness and the agent's last-seen time are taken from here by the session monitor.
        session.Touch(time.GetUtcNow());

        switch (message.PayloadCase)
        {
            case AgentMessage.PayloadOneofCase.Heartbeat:
                break;
            case AgentMessage.PayloadOneofCase.JobAccepted:
                await AcceptedAsync(session, message.JobAccepted, cancellationToken);
                break;
            case AgentMessage.PayloadOneofCase.JobRejected:
                Rejected(session, message.JobRejected);
                break;
            case AgentMessage.PayloadOneofCase.LogChunk:
                await LogAsync(session, message.LogChunk, cancellationToken);
                break;
            case AgentMessage.PayloadOneofCase.JobFinished:
                // Recorded after every chunk the agent sent before it, in the same batch transaction.
                await FinishedAsync(session, message.JobFinished, cancellationToken);
                break;
            case AgentMessage.PayloadOneofCase.Draining:
                dispatcher.SetDraining(session);
                LogDraining(logger, session.AgentId, message.Draining.Reason);
                break;
            case AgentMessage.PayloadOneofCase.Hello:
                throw new RpcException(new Status(StatusCode.InvalidArgument, "Hello is only valid as the first message of a stream."));
            default:
                throw new RpcException(new Status(StatusCode.InvalidArgument, "Unknown or empty agent message."));
        }
    }

    /// <summary>Ends a run whose agent can no longer report it, so nobody waits on it forever.</summary>
    public void FailLostRun(TenantScope scope, string runId, string agentId, string message)
    {
        if (deployments.FinishOnAgent(scope, runId, agentId, DeploymentStatus.Failed, null, message, 0,
                Audit.AuditActor.System, Audit.AuditActions.DeploymentAgentLost))
        {
            LogLost(logger, runId, agentId);
            signals.Changed(runId);
        }
    }

    /// <summary>
    /// Records the acceptance (in the writer's next batch), then tells the agent to start. Until StartJob arrives
    /// the agent has not started anything, so a run whose acceptance could not be recorded (cancelled, or queued
    /// again after a dropped stream) is simply dropped by the agent: it never runs twice.
    /// </summary>
    private ValueTask AcceptedAsync(AgentSession session, JobAccepted accepted, CancellationToken cancellationToken)
    {
        var runId = accepted.RunId;
        if (!dispatcher.Holds(session, runId))
        {
            session.Send(new ControlMessage { CancelJob = new CancelJob { RunId = runId, Reason = NotAssigned } });
            return ValueTask.CompletedTask;
        }

        return ingest.WriteAsync(
            (connection, transaction) => deployments.MarkRunning(connection, transaction, session.Scope, runId, session.AgentId),
            changed => AfterAccepted(session, runId, changed),
            // As when a message cannot be handled: the stream ends, the agent reconnects and accepts again.
            _ => session.Abort(),
            cancellationToken);
    }

    private void AfterAccepted(AgentSession session, string runId, bool changed)
    {
        if (changed)
        {
            LogStarted(logger, runId, session.AgentId);
            signals.Changed(runId);
            session.Send(new ControlMessage { StartJob = new StartJob { RunId = runId } });
            return;
        }

        var run = deployments.Get(session.Scope, runId);
        if (run is { Status: DeploymentStatus.Running } && run.AgentId == session.AgentId && dispatcher.Holds(session, runId))
        {
            // A repeated acceptance (after a reconnect): starting is idempotent on the agent.
            session.Send(new ControlMessage { StartJob = new StartJob { RunId = runId } });
            return;
        }

        session.Send(new ControlMessage { CancelJob = new CancelJob { RunId = runId, Reason = NotAssigned } });
    }

    private const string NotAssigned = "This run is no longer assigned to this agent.";

    private void Rejected(AgentSession session, JobRejected rejected)
    {
        if (deployments.Requeue(session.Scope, rejected.RunId, session.AgentId))
        {
            LogRejected(logger, rejected.RunId, session.AgentId, rejected.Reason);
        }

        dispatcher.Release(session, rejected.RunId, declined: true);
    }

    private async ValueTask LogAsync(AgentSession session, LogChunk chunk, CancellationToken cancellationToken)
    {
        if (chunk.Data.Length > options.Value.MaxLogChunkBytes)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"Log chunk of {chunk.Data.Length} bytes exceeds the limit of {options.Value.MaxLogChunkBytes} bytes."));
        }

        if (chunk.Sequence < 1)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "Log chunk sequence numbers start at 1."));
        }

        var ack = new ControlMessage { Ack = new Ack { RunId = chunk.RunId, Sequence = chunk.Sequence } };
        // Output of a run this agent does not hold (ended, cancelled, reassigned) is dropped, but acknowledged so
        // the agent can forget it.
        if (!dispatcher.Holds(session, chunk.RunId))
        {
            session.Send(ack);
            return;
        }

        var timestamp = chunk.Timestamp is { } t ? t.ToDateTimeOffset().ToUnixTimeMilliseconds() : 0;
        var runId = chunk.RunId;
        var length = chunk.Data.Length;
        await ingest.AppendAsync(session.Scope, runId, chunk.Sequence, (int)chunk.Stream, timestamp, chunk.Data.Memory, stored =>
        {
            if (stored)
            {
                Observability.ArgyMetrics.LogBytes.Inc(length);
                signals.Changed(runId);
            }

            // Acknowledged only once durable: until then the agent keeps the chunk to send again.
            session.Send(ack);
        }, cancellationToken);
    }

    private ValueTask FinishedAsync(AgentSession session, JobFinished finished, CancellationToken cancellationToken)
    {
        var status = finished.Outcome switch
        {
            JobOutcome.Succeeded => DeploymentStatus.Succeeded,
            JobOutcome.Cancelled => DeploymentStatus.Cancelled,
            JobOutcome.TimedOut => DeploymentStatus.TimedOut,
            _ => DeploymentStatus.Failed,
        };
        var message = string.IsNullOrWhiteSpace(finished.Message) ? null : finished.Message;
        return ingest.WriteAsync(
            (connection, transaction) => deployments.FinishOnAgent(connection, transaction, session.Scope, finished.RunId, session.AgentId, status,
                finished.ExitCode, message, finished.LastSequence, Audit.AuditActor.Agent(session.AgentId)),
            changed => AfterFinished(session, finished, status, changed),
            // Not acknowledged: the agent keeps the report and sends it again on its next session.
            _ => { },
            cancellationToken);
    }

    private void AfterFinished(AgentSession session, JobFinished finished, string status, bool changed)
    {
        session.Send(new ControlMessage { Ack = new Ack { RunId = finished.RunId, Sequence = finished.LastSequence, Finished = true } });
        // The slot is free before anyone waiting on the run hears it ended: a CI job that submits its next run
        // the moment this one ends finds the agent free.
        dispatcher.Release(session, finished.RunId);
        if (changed)
        {
            LogFinished(logger, finished.RunId, session.AgentId, status, finished.ExitCode);
            Observability.ArgyMetrics.JobsFinished.WithLabels(status).Inc();
            signals.Changed(finished.RunId);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} started on agent {AgentId}")]
    private static partial void LogStarted(ILogger logger, string runId, string agentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} finished on agent {AgentId}: {Status} (exit code {ExitCode})")]
    private static partial void LogFinished(ILogger logger, string runId, string agentId, string status, int exitCode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {AgentId} declined run {RunId}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string runId, string agentId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {AgentId} is draining: {Reason}")]
    private static partial void LogDraining(ILogger logger, string agentId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} was lost by agent {AgentId}; marked Failed")]
    private static partial void LogLost(ILogger logger, string runId, string agentId);
}
