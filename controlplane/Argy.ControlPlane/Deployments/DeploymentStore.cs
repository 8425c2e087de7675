using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Quotas;
using Argy.ControlPlane.Security;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Argy.ControlPlane.Deployments;

public sealed record QueuedRun(long Seq, string Id, string Tags, long CreatedAt);

/// <summary>An agent whose slot is reserved for a new run, with the tags it offers.</summary>
public sealed record Placement(string AgentId, IReadOnlyList<string> Tags);

public sealed record HeldRun(string TenantId, string RunId, string AgentId, string Status);

public sealed record NewDeployment(
    string Product,
    IReadOnlyList<string>? Command,
    string? Script,
    IReadOnlyList<string> Tags,
    IReadOnlyDictionary<string, string> Env,
    byte[]? SealedSecrets,
    int TimeoutSeconds,
    string CreatedBy,
    string? OrgId = null,
    string? CreatedByUser = null,
    bool NeedsApproval = false,
    string? Id = null);

/// <summary>
/// Deployments and their state machine: (PendingApproval →) Queued → Assigned → Running → a terminal status
/// (PendingApproval can also end Rejected or Cancelled). Every transition is a conditional UPDATE on the expected
/// current status, so two actors racing on one run cannot both win. Submission, approval decisions and the lifecycle
/// transitions (started, and every end) append their audit record in the transaction of their write; assignment
/// and requeueing are scheduling, not lifecycle, and write none.
/// </summary>
public sealed class DeploymentStore(Database database, TimeProvider time, AuditTrail audit, DeploymentQuotaStore quotas)
{
    private const string Active = "('Assigned', 'Running')";

    private long Now => UnixMs.From(time.GetUtcNow());

    /// <summary>
    /// Stores a submission, Queued or PendingApproval, after checking the deployment quotas in the same write
    /// transaction (so concurrent submissions, here or on another instance sharing the database, cannot overshoot
    /// a quota), and audits it in that transaction. Over a quota nothing is stored: the refusal is audited on its
    /// own and <see cref="QuotaExceededException"/> is thrown. With <paramref name="placeOn"/> (an agent whose slot
    /// the caller reserved) the run is stored already Assigned to that agent, unless an older queued run of the
    /// tenant could run there: that one goes first, so the new one is stored Queued behind it.
    /// </summary>
    public DeploymentRow Create(TenantScope scope, NewDeployment deployment, Placement? placeOn = null)
    {
        var now = Now;
        var id = deployment.Id ?? Ids.New("run");
        var orgId = deployment.OrgId;
        DeploymentRow Row(string status, string? agentId) => new()
        {
            Id = id,
            TenantId = scope.TenantId,
            Product = deployment.Product,
            Command = deployment.Command is null ? null : Json.Write(deployment.Command),
            Script = deployment.Script,
            Tags = Json.Write(deployment.Tags),
            Env = Json.Write(deployment.Env),
            Secrets = deployment.SealedSecrets,
            TimeoutSeconds = deployment.TimeoutSeconds,
            Status = status,
            AgentId = agentId,
            AssignedAt = agentId is null ? null : now,
            CreatedBy = deployment.CreatedBy,
            CreatedByUser = deployment.CreatedByUser,
            OrgId = orgId,
            CreatedAt = now,
        };

        using var connection = database.Open();
        QuotaBreach? breach;
        DeploymentRow? stored = null;
        using (var transaction = Database.BeginWrite(connection))
        {
            breach = quotas.Check(connection, transaction, scope, orgId, now);
            if (breach is null)
            {
                var row = deployment.NeedsApproval ? Row(DeploymentStatus.PendingApproval, null)
                    : placeOn is not null && !QueuedAheadFor(connection, transaction, scope, placeOn)
                        ? Row(DeploymentStatus.Assigned, placeOn.AgentId)
                        : Row(DeploymentStatus.Queued, null);
                stored = connection.QuerySingle<DeploymentRow>(
                    """
                    INSERT INTO deployments (id, tenant_id, product, command, script, tags, env, secrets, timeout_seconds, status, created_by,
                                             created_by_user, org_id, created_at, agent_id, assigned_at)
                    VALUES (@Id, @TenantId, @Product, @Command, @Script, @Tags, @Env, @Secrets, @TimeoutSeconds, @Status, @CreatedBy,
                            @CreatedByUser, @OrgId, @CreatedAt, @AgentId, @AssignedAt)
                    RETURNING *
                    """,
                    row, transaction);
                audit.Append(connection, transaction, scope, SubmittedEntry(row, deployment));
                transaction.Commit();
            }
        }

        if (breach is not null)
        {
            RecordQuotaExceeded(connection, scope, breach, deployment.Product);
            throw new QuotaExceededException(breach);
        }

        return stored!;
    }

    /// <summary>
    /// Whether a queued run of the tenant could run on the placement's agent (its tags are a subset of the agent's),
    /// looking at the oldest <see cref="QueuedAheadWindow"/> queued runs only; a longer queue counts as yes. This
    /// keeps the check cheap: a long queue means the agent's slots are contended anyway, and the dispatcher's
    /// rounds keep submission order there.
    /// </summary>
    private static bool QueuedAheadFor(SqliteConnection connection, SqliteTransaction transaction,
        TenantScope scope, Placement placeOn) =>
        connection.ExecuteScalar<bool>(
            """
            WITH oldest AS (SELECT tags FROM deployments WHERE tenant_id = @tenant AND status = 'Queued' ORDER BY seq LIMIT @window + 1)
            SELECT (SELECT COUNT(*) FROM oldest) > @window
                OR EXISTS (SELECT 1 FROM oldest o
                            WHERE NOT EXISTS (SELECT 1 FROM json_each(o.tags) t WHERE t.value NOT IN (SELECT value FROM json_each(@agentTags))))
            """,
            new { tenant = scope.TenantId, window = QueuedAheadWindow, agentTags = Json.Write(placeOn.Tags) }, transaction);

    private const int QueuedAheadWindow = 64;

    private static AuditEntry SubmittedEntry(DeploymentRow row, NewDeployment deployment) => deployment.NeedsApproval
        ? new AuditEntry(AuditActions.DeploymentApprovalRequested, AuditResources.Deployment, row.Id,
            Detail: $"Run {row.Id} of product {row.Product} waits for approval.",
            Data: new Dictionary<string, string?>
            {
                ["product"] = row.Product,
                ["requester"] = deployment.CreatedByUser ?? deployment.CreatedBy,
                ["tags"] = string.Join(",", deployment.Tags),
            })
        : new AuditEntry(AuditActions.DeploymentSubmitted, AuditResources.Deployment, row.Id,
            Detail: $"Run {row.Id} of product {row.Product} submitted.",
            Data: new Dictionary<string, string?> { ["product"] = row.Product, ["tags"] = string.Join(",", deployment.Tags) });

    /// <summary>A refused submission changes nothing; its audit record gets a small write transaction of its own.</summary>
    private void RecordQuotaExceeded(SqliteConnection connection, TenantScope scope, QuotaBreach breach, string product)
    {
        using var transaction = Database.BeginWrite(connection);
        audit.Append(connection, transaction, scope, new AuditEntry(
            AuditActions.QuotaExceeded, AuditResources.DeploymentQuota, breach.ScopeType == QuotaScopeType.Tenant ? "tenant" : "org:" + breach.ScopeId,
            AuditOutcome.Denied,
            $"Deployment of product {product} refused: {breach.Quota}.",
            new Dictionary<string, string?>
            {
                ["quota"] = breach.Quota,
                ["limit"] = breach.Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["window"] = breach.Window.Name,
                ["scope"] = breach.ScopeType,
                ["product"] = product,
            }));
        transaction.Commit();
    }

    /// <summary>
    /// Cancels a run no agent has yet (Queued or PendingApproval): the run ends here, so its one audit record is
    /// <c>deployment.cancelled</c> (by the caller), written in the same transaction. False when the run has moved on
    /// (dispatched, decided or ended) since it was read.
    /// </summary>
    public bool CancelBeforeDispatch(TenantScope scope, string id, string reason) =>
        FinishWithoutAgent(scope, id, "status IN ('Queued', 'PendingApproval')", DeploymentStatus.Cancelled, reason);

    /// <summary>
    /// Audits a cancellation about to be sent to the connected agent holding the run (the run ends, with its own
    /// lifecycle record, when the agent reports it).
    /// </summary>
    public void RecordCancelRequested(TenantScope scope, string id, string reason)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        audit.Append(connection, transaction, scope, new AuditEntry(AuditActions.DeploymentCancelRequested, AuditResources.Deployment, id, Detail: reason));
        transaction.Commit();
    }

    public DeploymentRow? Get(TenantScope scope, string id)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<DeploymentRow>(
            "SELECT * FROM deployments WHERE id = @id AND tenant_id = @tenant", new { id, tenant = scope.TenantId });
    }

    public IReadOnlyList<DeploymentRow> List(TenantScope scope, string? status, int limit)
    {
        using var connection = database.Open();
        return connection.Query<DeploymentRow>(
            """
            SELECT * FROM deployments WHERE tenant_id = @tenant AND (@status IS NULL OR status = @status)
            ORDER BY seq DESC LIMIT @limit
            """,
            new { tenant = scope.TenantId, status, limit }).AsList();
    }

    /// <summary>The oldest queued runs of a tenant after <paramref name="afterSeq"/>, in submission order: just what routing needs.</summary>
    public IReadOnlyList<QueuedRun> Queued(TenantScope scope, long afterSeq, int limit)
    {
        using var connection = database.Open();
        return connection.Query<QueuedRun>(
            """
            SELECT seq AS Seq, id AS Id, tags AS Tags, created_at AS CreatedAt FROM deployments
             WHERE tenant_id = @tenant AND status = 'Queued' AND seq > @afterSeq ORDER BY seq LIMIT @limit
            """,
            new { tenant = scope.TenantId, afterSeq, limit }).AsList();
    }

    /// <summary>Tenants that have queued work: where dispatch must look after a restart.</summary>
    public IReadOnlyList<string> TenantsWithQueuedWork()
    {
        using var connection = database.Open();
        return connection.Query<string>("SELECT DISTINCT tenant_id FROM deployments WHERE status = 'Queued'").AsList();
    }

    public IReadOnlyList<DeploymentRow> ActiveOnAgent(TenantScope scope, string agentId)
    {
        using var connection = database.Open();
        return connection.Query<DeploymentRow>(
            $"SELECT * FROM deployments WHERE tenant_id = @tenant AND agent_id = @agentId AND status IN {Active} ORDER BY seq",
            new { tenant = scope.TenantId, agentId }).AsList();
    }

    /// <summary>
    /// Active runs held by agents that have been silent since before <paramref name="cutoffMs"/>, across tenants:
    /// the input of the lease monitor, a system task that acts for every tenant.
    /// </summary>
    public IReadOnlyList<HeldRun> HeldBySilentAgents(long cutoffMs)
    {
        using var connection = database.Open();
        return connection.Query<HeldRun>(
            """
            SELECT d.tenant_id AS TenantId, d.id AS RunId, d.agent_id AS AgentId, d.status AS Status
              FROM deployments d JOIN agents a ON a.id = d.agent_id AND a.tenant_id = d.tenant_id
             WHERE d.status IN ('Assigned', 'Running') AND COALESCE(a.last_activity_at, 0) < @cutoffMs
            """,
            new { cutoffMs }).AsList();
    }

    /// <summary>
    /// Assigns several queued runs in one write transaction (each still a conditional Queued → Assigned, so a run
    /// taken meanwhile by another instance or cancelled is skipped) and returns the rows that were assigned, read
    /// in that transaction. One transaction per dispatch round rather than per run: writers queue for SQLite's
    /// single write lock, and a round that went through the queue once per run would wait behind every other
    /// writer each time.
    /// </summary>
    public IReadOnlyList<DeploymentRow> TryAssign(TenantScope scope, IReadOnlyList<(string RunId, string AgentId)> picks)
    {
        if (picks.Count == 0)
        {
            return [];
        }

        var now = Now;
        var assigned = new List<DeploymentRow>(picks.Count);
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        foreach (var (runId, agentId) in picks)
        {
            var row = connection.QuerySingleOrDefault<DeploymentRow>(
                """
                UPDATE deployments SET status = 'Assigned', agent_id = @agentId, assigned_at = @now
                 WHERE id = @id AND tenant_id = @tenant AND status = 'Queued'
                RETURNING *
                """,
                new { id = runId, tenant = scope.TenantId, agentId, now }, transaction);
            if (row is not null)
            {
                assigned.Add(row);
            }
        }

        transaction.Commit();
        return assigned;
    }

    public bool TryAssign(TenantScope scope, string id, string agentId) => TryAssign(scope, [(id, agentId)]).Count == 1;

    /// <summary>The agent accepted the run: it is running (<c>deployment.started</c>, by the agent).</summary>
    public bool MarkRunning(TenantScope scope, string id, string agentId) =>
        InWrite((connection, transaction) => MarkRunning(connection, transaction, scope, id, agentId));

    /// <inheritdoc cref="MarkRunning(TenantScope, string, string)"/>
    public bool MarkRunning(SqliteConnection connection, SqliteTransaction transaction, TenantScope scope, string id, string agentId) =>
        Transition(
            connection,
            transaction,
            scope,
            "status = 'Running', started_at = @now",
            "status = 'Assigned' AND agent_id = @agentId",
            new { id, tenant = scope.TenantId, agentId, now = Now },
            new AuditEntry(AuditActions.DeploymentStarted, AuditResources.Deployment, id, Detail: $"Run {id} started on agent {agentId}.",
                Data: new Dictionary<string, string?> { ["agentId"] = agentId }),
            AuditActor.Agent(agentId));

    /// <summary>Puts an assigned-but-not-accepted run back in the queue at its original position.</summary>
    public bool Requeue(TenantScope scope, string id, string agentId) =>
        Transition(
            scope,
            "status = 'Queued', agent_id = NULL, assigned_at = NULL",
            "status = 'Assigned' AND agent_id = @agentId",
            new { id, tenant = scope.TenantId, agentId });

    /// <summary>
    /// Ends a run that an agent holds. Secrets are erased as the run ends: nothing needs them any more. The audit
    /// record's action follows the status unless <paramref name="action"/> says otherwise (an agent lost); its actor is
    /// <paramref name="actor"/>, else the caller of the current request, else the system.
    /// </summary>
    public bool FinishOnAgent(TenantScope scope, string id, string agentId, string status, int? exitCode, string? message, long lastLogSeq,
        AuditActor? actor = null, string? action = null) =>
        InWrite((connection, transaction) => FinishOnAgent(connection, transaction, scope, id, agentId, status, exitCode, message, lastLogSeq, actor, action));

    /// <inheritdoc cref="FinishOnAgent(TenantScope, string, string, string, int?, string?, long, AuditActor?, string?)"/>
    public bool FinishOnAgent(SqliteConnection connection, SqliteTransaction transaction, TenantScope scope, string id, string agentId, string status,
        int? exitCode, string? message, long lastLogSeq, AuditActor? actor = null, string? action = null) =>
        Transition(
            connection,
            transaction,
            scope,
            "status = @status, exit_code = @exitCode, message = @message, finished_at = @now, secrets = NULL, last_log_seq = MAX(last_log_seq, @lastLogSeq)",
            $"status IN {Active} AND agent_id = @agentId",
            new { id, tenant = scope.TenantId, agentId, status, exitCode, message, lastLogSeq, now = Now },
            Ended(id, status, action, message, agentId, exitCode),
            actor);

    /// <summary>Ends a run that is not on any agent (queued), or whose agent cannot report any more.</summary>
    public bool FinishWithoutAgent(TenantScope scope, string id, string fromStatusCondition, string status, string message) =>
        Transition(
            scope,
            "status = @status, message = @message, finished_at = @now, secrets = NULL",
            fromStatusCondition,
            new { id, tenant = scope.TenantId, status, message, now = Now },
            Ended(id, status, null, message, null, null));

    /// <summary>The audit action recording a run's end in <paramref name="status"/>.</summary>
    public static string EndAction(string status) => status switch
    {
        DeploymentStatus.Succeeded => AuditActions.DeploymentSucceeded,
        DeploymentStatus.Cancelled => AuditActions.DeploymentCancelled,
        DeploymentStatus.TimedOut => AuditActions.DeploymentTimedOut,
        _ => AuditActions.DeploymentFailed,
    };

    private static AuditEntry Ended(string id, string status, string? action, string? message, string? agentId, int? exitCode) =>
        new(action ?? EndAction(status), AuditResources.Deployment, id,
            // A run that ended as asked (done, or cancelled) is a success; one that failed, timed out or was lost is not.
            status is DeploymentStatus.Succeeded or DeploymentStatus.Cancelled ? AuditOutcome.Success : AuditOutcome.Failure,
            message ?? $"Run {id} ended {status}.",
            new Dictionary<string, string?>
            {
                ["status"] = status,
                ["agentId"] = agentId,
                ["exitCode"] = exitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });

    public void RecordLogSequence(TenantScope scope, string id, long seq)
    {
        using var connection = database.Open();
        connection.Execute(
            "UPDATE deployments SET last_log_seq = @seq WHERE id = @id AND tenant_id = @tenant AND last_log_seq < @seq",
            new { id, tenant = scope.TenantId, seq });
    }

    private bool Transition(TenantScope scope, string set, string condition, object parameters, AuditEntry? entry = null, AuditActor? actor = null) =>
        InWrite((connection, transaction) => Transition(connection, transaction, scope, set, condition, parameters, entry, actor));

    private bool Transition(SqliteConnection connection, SqliteTransaction transaction, TenantScope scope, string set, string condition, object parameters,
        AuditEntry? entry = null, AuditActor? actor = null)
    {
        var changed = connection.Execute(
            $"UPDATE deployments SET {set} WHERE id = @id AND tenant_id = @tenant AND {condition}", parameters, transaction) == 1;
        if (changed && entry is not null)
        {
            audit.Append(connection, transaction, scope, entry, actor);
        }

        return changed;
    }

    private bool InWrite(Func<SqliteConnection, SqliteTransaction, bool> change)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        var changed = change(connection, transaction);
        transaction.Commit();
        return changed;
    }
}
