using Argy.ControlPlane.Api;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Dispatch;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Security;
using Argy.ControlPlane.Tenancy;
using Argy.Protocol.V1;

namespace Argy.ControlPlane.Deployments;

/// <summary>Submitting, reading and cancelling deployments.</summary>
public sealed partial class DeploymentService(
    DeploymentStore store,
    AssignmentFactory assignments,
    Dispatcher dispatcher,
    RunSignals signals,
    Products.ProductAccess productAccess,
    ILogger<DeploymentService> logger)
{
    public const int MaxTimeoutSeconds = 7 * 24 * 3600;
    public const int DefaultTimeoutSeconds = 3600;
    private const int MaxScriptBytes = 256 * 1024;

    /// <summary>
    /// Stores the run as Queued and offers it to connected agents on the spot, or, when its product requires
    /// approval for its tags, stores it as PendingApproval for an approver. Over a deployment quota nothing is
    /// stored and <see cref="Quotas.QuotaExceededException"/> (429) is thrown.
    /// </summary>
    public DeploymentResponse Submit(Caller caller, SubmitDeploymentRequest request)
    {
        Validate(request);
        var product = productAccess.EnsureCanDeploy(caller, request.Product!);
        var tags = (request.Tags ?? []).Distinct(StringComparer.Ordinal).ToList();
        var needsApproval = Approvals.ApprovalRule.Of(product).Applies(tags);
        var runId = Ids.New("run");
        var reserved = needsApproval ? null : dispatcher.Reserve(caller.Scope, runId, tags);
        DeploymentRow row;
        try
        {
            row = store.Create(caller.Scope, new NewDeployment(
                request.Product!,
                request.Command,
                request.Script,
                tags,
                request.Env ?? new Dictionary<string, string>(),
                assignments.SealSecrets(request.Secrets),
                request.TimeoutSeconds ?? DefaultTimeoutSeconds,
                caller.ActorId,
                caller.OrgId ?? product.OrgId,
                caller.UserId,
                needsApproval,
                runId), reserved is null ? null : new Placement(reserved.AgentId, [.. reserved.Tags]));
        }
        catch
        {
            if (reserved is not null)
            {
                dispatcher.Unreserve(reserved, runId);
            }

            throw;
        }

        LogSubmitted(logger, row.Id, row.Product, caller.Scope.TenantId, caller.ActorId, row.Status);
        if (reserved is not null && row.Status == DeploymentStatus.Assigned)
        {
            // Stored assigned to the agent whose slot was reserved: sent now, before the response is written.
            dispatcher.Deliver(reserved, row);
            return DeploymentResponse.From(row);
        }

        if (reserved is not null)
        {
            // Older runs are queued: they go first, and this one joins the queue behind them.
            dispatcher.Unreserve(reserved, runId);
        }

        if (!needsApproval)
        {
            dispatcher.Dispatch(caller.Scope);
        }

        return Get(caller.Scope, row.Id);
    }

    public DeploymentResponse Get(TenantScope scope, string runId) =>
        DeploymentResponse.From(Find(scope, runId));

    public DeploymentRow Find(TenantScope scope, string runId) =>
        store.Get(scope, runId) ?? throw ApiProblemException.NotFound("deployment", runId);

    public IReadOnlyList<DeploymentResponse> List(TenantScope scope, string? status, int? limit)
    {
        if (status is not null && !DeploymentStatus.All.Contains(status))
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, "Invalid request",
                $"Unknown status '{status}'. Use one of: {string.Join(", ", DeploymentStatus.All)}.");
        }

        return store.List(scope, status, Math.Clamp(limit ?? 50, 1, 500)).Select(DeploymentResponse.From).ToList();
    }

    /// <summary>
    /// A queued run (or one waiting for approval) ends at once; a run on an agent is told to stop and ends when
    /// the agent reports it (the process tree is killed there). A run on an agent that is not connected ends at
    /// once too. Each request writes one audit record: <c>deployment.cancel_requested</c> when a connected agent is
    /// told to stop (its <c>deployment.cancelled</c> follows when the agent reports), else the
    /// <c>deployment.cancelled</c> written with the status change.
    /// </summary>
    public DeploymentResponse Cancel(Caller caller, string runId)
    {
        var run = Find(caller.Scope, runId);
        productAccess.EnsureCanCancel(caller, run.Product);
        var reason = $"Cancelled by {caller.ActorId}.";

        // Every step is a conditional UPDATE on the status just read. When the run moved on in between (dispatched
        // to an agent, approved, requeued, ended), nothing was changed or recorded: it is read again and cancelled
        // where it is now, so a request never returns 202 having done nothing. A run changes status a few times at
        // most (PendingApproval, Queued, Assigned, Running, an end; a requeue goes back once per lost dispatch), so
        // the attempts are bounded.
        CancelOutcome outcome;
        for (var attempt = 1; ; attempt++)
        {
            if (DeploymentStatus.IsTerminal(run.Status))
            {
                throw ApiProblemException.Conflict($"Run {runId} already ended ({run.Status}).");
            }

            outcome = run.Status is DeploymentStatus.Queued or DeploymentStatus.PendingApproval
                ? store.CancelBeforeDispatch(caller.Scope, runId, reason) ? CancelOutcome.Ended : CancelOutcome.Moved
                : CancelOnAgent(caller.Scope, run, reason);
            if (outcome != CancelOutcome.Moved)
            {
                break;
            }

            if (attempt == MaxCancelAttempts)
            {
                throw ApiProblemException.Conflict($"Run {runId} kept changing status while being cancelled; try again.");
            }

            run = Find(caller.Scope, runId);
        }

        if (outcome == CancelOutcome.Ended)
        {
            signals.Changed(runId);
        }

        LogCancelled(logger, runId, caller.ActorId);
        return Get(caller.Scope, runId);
    }

    private const int MaxCancelAttempts = 8;

    private enum CancelOutcome
    {
        /// <summary>The run ended in this request (its <c>deployment.cancelled</c> is written).</summary>
        Ended,

        /// <summary>The connected agent holding the run was told to stop (<c>deployment.cancel_requested</c> is written).</summary>
        Requested,

        /// <summary>The run was no longer in the status read: nothing changed, nothing was recorded.</summary>
        Moved,
    }

    private CancelOutcome CancelOnAgent(TenantScope scope, DeploymentRow run, string reason)
    {
        var session = run.AgentId is null ? null : dispatcher.SessionOf(run.AgentId);
        if (session is not null)
        {
            // Recorded before the agent is told, so a request whose record cannot be written changes nothing.
            store.RecordCancelRequested(scope, run.Id, reason);
            if (session.Send(new ControlMessage { CancelJob = new CancelJob { RunId = run.Id, Reason = reason } }))
            {
                return CancelOutcome.Requested;
            }

            // The session closed in between: the run ends here after all (and records that too). Should the run
            // have moved on meanwhile, this request already has its record (cancel_requested): it stops there.
            return store.FinishWithoutAgent(scope, run.Id, "status IN ('Assigned', 'Running')", DeploymentStatus.Cancelled,
                reason + " The agent was not connected; it drops the run when it reconnects.")
                ? CancelOutcome.Ended
                : CancelOutcome.Requested;
        }

        return store.FinishWithoutAgent(scope, run.Id, "status IN ('Assigned', 'Running')", DeploymentStatus.Cancelled,
            reason + " The agent was not connected; it drops the run when it reconnects.")
            ? CancelOutcome.Ended
            : CancelOutcome.Moved;
    }

    private static void Validate(SubmitDeploymentRequest request)
    {
        var errors = new FieldErrors();
        errors.Require(request.Product is not null && FieldErrors.NamePattern().IsMatch(request.Product), "product",
            "product is required: 1-100 characters, starting with a letter or digit.");
        var hasCommand = request.Command is { Count: > 0 };
        var hasScript = !string.IsNullOrWhiteSpace(request.Script);
        errors.Require(hasCommand ^ hasScript, "command", "Give exactly one of command (an argv array) or script.");
        if (hasCommand)
        {
            errors.Require(request.Command!.All(a => a is not null) && !string.IsNullOrEmpty(request.Command![0]), "command",
                "command entries must be strings and command[0] must name a program.");
            errors.Require(request.Command!.Sum(a => (a?.Length ?? 0) + 1) <= MaxScriptBytes, "command", "command is longer than 256 KiB.");
        }

        errors.Require((request.Script?.Length ?? 0) <= MaxScriptBytes, "script", "script is longer than 256 KiB.");
        errors.Tags(request.Tags, "tags");
        Variables(errors, request.Env, "env");
        Variables(errors, request.Secrets, "secrets");
        if (request.Env is not null && request.Secrets is not null)
        {
            foreach (var name in request.Env.Keys.Intersect(request.Secrets.Keys, StringComparer.Ordinal))
            {
                errors.Add("secrets", $"'{name}' is both in env and in secrets.");
            }
        }

        errors.Require(request.TimeoutSeconds is null or (>= 1 and <= MaxTimeoutSeconds), "timeoutSeconds",
            $"timeoutSeconds must be between 1 and {MaxTimeoutSeconds}.");
        errors.ThrowIfAny();
    }

    private static void Variables(FieldErrors errors, IReadOnlyDictionary<string, string>? variables, string field)
    {
        if (variables is null)
        {
            return;
        }

        errors.Require(variables.Count <= 256, field, $"{field} has more than 256 entries.");
        foreach (var (name, value) in variables)
        {
            errors.Require(FieldErrors.EnvNamePattern().IsMatch(name), field, $"'{name}' is not a valid variable name.");
            errors.Require(!name.StartsWith("ARGY_", StringComparison.OrdinalIgnoreCase), field, $"'{name}': the ARGY_ prefix is reserved.");
            errors.Require(value is not null && value.Length <= 64 * 1024, field, $"'{name}' must have a string value of at most 64 KiB.");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} of product {Product} submitted in tenant {TenantId} by {Actor}: {Status}")]
    private static partial void LogSubmitted(ILogger logger, string runId, string product, string tenantId, string actor, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} cancellation requested by {Actor}")]
    private static partial void LogCancelled(ILogger logger, string runId, string actor);
}
