using System.Collections.Concurrent;
using Argy.ControlPlane.Deployments;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Argy.Protocol.V1;

namespace Argy.ControlPlane.Dispatch;

/// <summary>
/// Routes queued runs to connected agents, the moment either appears: on submission, when an agent says
/// Hello, when a slot frees up. Nothing polls. Decisions for one tenant are serialised by that tenant's lock;
/// the store's conditional transition (Queued → Assigned) is what guarantees a run is never given twice, even
/// across control-plane instances sharing a database.
/// </summary>
public sealed partial class Dispatcher(DeploymentStore deployments, AssignmentFactory assignments, TimeProvider time, ILogger<Dispatcher> logger)
{
    // A declined run is not offered to the same agent again straight away (it would decline again at once), but
    // only for a while: "no free slot" or "draining" are passing states, and a run must not stay queued forever.
    private static readonly TimeSpan DeclineCooldown = TimeSpan.FromSeconds(1);

    // Queued runs read per page; paging continues while some agent still has a free slot.
    private const int Batch = 64;

    private readonly ConcurrentDictionary<string, TenantSessions> _tenants = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, AgentSession> _byAgent = new(StringComparer.Ordinal);

    public AgentSession? SessionOf(string agentId) => _byAgent.GetValueOrDefault(agentId);

    public int ConnectedCount => _byAgent.Count;

    /// <summary>Adds a session; returns the one it replaces (same agent connected twice), which the caller closes.</summary>
    public AgentSession? Register(AgentSession session, IEnumerable<string> runsAlreadyOnAgent)
    {
        var tenant = Tenant(session.Scope);
        AgentSession? replaced;
        lock (tenant)
        {
            replaced = _byAgent.GetValueOrDefault(session.AgentId);
            if (replaced is not null)
            {
                tenant.Sessions.Remove(replaced);
                session.Runs.UnionWith(replaced.Runs);
            }

            session.Runs.UnionWith(runsAlreadyOnAgent);
            tenant.Sessions.Add(session);
            _byAgent[session.AgentId] = session;
        }

        return replaced;
    }

    /// <summary>Removes a session unless a newer one for the same agent took its place.</summary>
    public void Unregister(AgentSession session)
    {
        var tenant = Tenant(session.Scope);
        lock (tenant)
        {
            tenant.Sessions.Remove(session);
            _byAgent.TryRemove(new KeyValuePair<string, AgentSession>(session.AgentId, session));
        }
    }

    /// <summary>Forgets a run the session held (finished, rejected, requeued) and offers the freed slot.</summary>
    public void Release(AgentSession session, string runId, bool declined = false)
    {
        lock (Tenant(session.Scope))
        {
            session.Runs.Remove(runId);
            if (declined)
            {
                session.Declined.Add(runId);
            }
        }

        if (declined)
        {
            _ = ForgetDeclineLater(session, runId);
        }

        DispatchSoon(session.Scope);
    }

    /// <summary>
    /// A dispatch round on the thread pool: for callers that must not wait for one, such as the single writer of
    /// agents' reports, which frees slots as runs end (a round waits for its own turn to write).
    /// </summary>
    public void DispatchSoon(TenantScope scope) =>
        ThreadPool.UnsafeQueueUserWorkItem(static state => state.Dispatcher.DispatchLogged(state.Scope), (Dispatcher: this, Scope: scope), preferLocal: false);

    private void DispatchLogged(TenantScope scope)
    {
        try
        {
            Dispatch(scope);
        }
        catch (Exception e)
        {
            // Nothing awaits this round; the next submission or freed slot dispatches again anyway.
            LogRetryFailed(logger, e, scope.TenantId);
        }
    }

    private async Task ForgetDeclineLater(AgentSession session, string runId)
    {
        await Task.Delay(DeclineCooldown, time);
        lock (Tenant(session.Scope))
        {
            session.Declined.Remove(runId);
        }

        DispatchLogged(session.Scope);
    }

    /// <summary>Whether the session holds the run (assigned to it or running on it).</summary>
    public bool Holds(AgentSession session, string runId)
    {
        lock (Tenant(session.Scope))
        {
            return session.Runs.Contains(runId);
        }
    }

    /// <summary>The runs a session holds, copied under the lock.</summary>
    public IReadOnlyList<string> RunsOf(AgentSession session)
    {
        lock (Tenant(session.Scope))
        {
            return [.. session.Runs];
        }
    }

    public void SetDraining(AgentSession session)
    {
        lock (Tenant(session.Scope))
        {
            session.Draining = true;
        }
    }

    /// <summary>
    /// The fast path of a submission: reserves a slot for the new run <paramref name="runId"/> on the least-loaded
    /// connected agent that can take it, so the run can be stored already assigned (no second write, no queue read)
    /// and sent the moment it is committed. Null when no agent can take it now. The caller either
    /// <see cref="Deliver"/>s the stored run or gives the slot back with <see cref="Unreserve"/>.
    /// </summary>
    public AgentSession? Reserve(TenantScope scope, string runId, IReadOnlyList<string> tags)
    {
        var tenant = Tenant(scope);
        lock (tenant)
        {
            var best = PickAgent(tenant, runId, tags);
            best?.Runs.Add(runId);
            return best;
        }
    }

    /// <summary>Gives back a slot reserved for a run that was not stored assigned to it.</summary>
    public void Unreserve(AgentSession session, string runId)
    {
        lock (Tenant(session.Scope))
        {
            session.Runs.Remove(runId);
        }
    }

    /// <summary>
    /// Sends a run stored as assigned to <paramref name="session"/> (see <see cref="Reserve"/>). Should the session
    /// have ended since the reservation, the run goes back to the queue: the session's own clean-up may have looked
    /// for its runs before this one was committed.
    /// </summary>
    public void Deliver(AgentSession session, DeploymentRow run)
    {
        if (SendAssignment(session, run) && SessionOf(session.AgentId) == session)
        {
            return;
        }

        Unreserve(session, run.Id);
        deployments.Requeue(session.Scope, run.Id, session.AgentId);
        Dispatch(session.Scope);
    }

    /// <summary>
    /// Assigns as many queued runs of the tenant as connected agents can take right now. Requests coalesce: when a
    /// round is already running for the tenant, the call only asks it for one more round (which will see whatever
    /// this caller added) and returns at once, so concurrent submissions never queue up behind the tenant's lock
    /// to repeat the same work one after another.
    /// </summary>
    public void Dispatch(TenantScope scope)
    {
        var tenant = Tenant(scope);
        if (!tenant.Rounds.Enter())
        {
            return;
        }

        do
        {
            try
            {
                Round(scope, tenant);
            }
            catch
            {
                tenant.Rounds.Abandon();
                throw;
            }
        }
        while (tenant.Rounds.Again());
    }

    private void Round(TenantScope scope, TenantSessions tenant)
    {
        lock (tenant)
        {
            // Page through the queue in submission order while some agent still has a free slot; runs no
            // connected agent can take are skipped, so they never hold up the ones behind them.
            var afterSeq = 0L;
            while (tenant.Sessions.Exists(s => s.HasFreeSlot))
            {
                // Plan the whole page in memory (a pick takes its slot at once, so the next run sees it taken),
                // then write the page's assignments in one transaction.
                var page = deployments.Queued(scope, afterSeq, Batch);
                var picks = new List<(string RunId, string AgentId)>();
                var pickedBy = new Dictionary<string, AgentSession>(StringComparer.Ordinal);
                foreach (var run in page)
                {
                    afterSeq = run.Seq;
                    if (PickAgent(tenant, run.Id, Json.ReadList(run.Tags)) is not { } agent)
                    {
                        // No taker now: skipped, so it never holds up the runs behind it.
                        continue;
                    }

                    agent.Runs.Add(run.Id);
                    picks.Add((run.Id, agent.AgentId));
                    pickedBy[run.Id] = agent;
                    if (!tenant.Sessions.Exists(s => s.HasFreeSlot))
                    {
                        break;
                    }
                }

                IReadOnlyList<DeploymentRow> assigned;
                try
                {
                    assigned = deployments.TryAssign(scope, picks);
                }
                catch
                {
                    foreach (var (runId, agent) in pickedBy)
                    {
                        agent.Runs.Remove(runId);
                    }

                    throw;
                }

                foreach (var row in assigned)
                {
                    pickedBy.Remove(row.Id, out var agent);
                    SendAssignment(agent!, row);
                }

                // Cancelled or taken by another instance since the read: the slot is free again.
                foreach (var (runId, agent) in pickedBy)
                {
                    agent.Runs.Remove(runId);
                }

                if (page.Count < Batch)
                {
                    break;
                }
            }
        }
    }

    /// <summary>The least-loaded session with a free slot and every required tag that has not declined the run.</summary>
    private static AgentSession? PickAgent(TenantSessions tenant, string runId, IReadOnlyList<string> required)
    {
        AgentSession? best = null;
        foreach (var session in tenant.Sessions)
        {
            if (session.HasFreeSlot && !session.Declined.Contains(runId) && session.CanRun(required)
                && (best is null || session.Runs.Count < best.Runs.Count))
            {
                best = session;
            }
        }

        return best;
    }

    /// <summary>Sends an assigned run down the agent's stream; false when the session's outbox is already closed.</summary>
    private bool SendAssignment(AgentSession session, DeploymentRow run)
    {
        if (!session.Send(new ControlMessage { AssignJob = assignments.Create(run) }))
        {
            return false;
        }

        Observability.ArgyMetrics.DispatchLatency.Observe(Math.Max(0, time.GetUtcNow().ToUnixTimeMilliseconds() - run.CreatedAt) / 1000.0);
        LogAssigned(logger, run.Id, session.AgentId, session.Scope.TenantId);
        return true;
    }

    private TenantSessions Tenant(TenantScope scope) => _tenants.GetOrAdd(scope.TenantId, static _ => new TenantSessions());

    private sealed class TenantSessions
    {
        public List<AgentSession> Sessions { get; } = [];

        public DispatchRounds Rounds { get; } = new();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Dispatch round for tenant {TenantId} failed")]
    private static partial void LogRetryFailed(ILogger logger, Exception exception, string tenantId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Assigned run {RunId} to agent {AgentId} in tenant {TenantId}")]
    private static partial void LogAssigned(ILogger logger, string runId, string agentId, string tenantId);
}
