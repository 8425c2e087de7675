using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Deployments;
using Argy.ControlPlane.Dispatch;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Products;
using Argy.ControlPlane.Tenancy;
using Argy.ControlPlane.Users;

namespace Argy.ControlPlane.Approvals;

/// <summary>
/// Deployments waiting for approval: listing them, approving (the run is queued and dispatched at once) and
/// rejecting (the run ends Rejected with the comment). Nobody decides on a run they requested themselves.
/// </summary>
public sealed partial class ApprovalService(
    ApprovalStore store,
    DeploymentService deployments,
    ProductStore products,
    UserStore users,
    Dispatcher dispatcher,
    RunSignals signals,
    ILogger<ApprovalService> logger)
{
    public const int MaxCommentLength = 1000;

    public IReadOnlyList<DeploymentResponse> Pending(TenantScope scope, int? limit) =>
        [.. store.Pending(scope, Math.Clamp(limit ?? 100, 1, 500)).Select(DeploymentResponse.From)];

    public DeploymentResponse Approve(Caller caller, string runId, ApprovalDecisionRequest? request) =>
        Decide(caller, runId, approve: true, request?.Comment);

    public DeploymentResponse Reject(Caller caller, string runId, ApprovalDecisionRequest? request) =>
        Decide(caller, runId, approve: false, request?.Comment);

    private DeploymentResponse Decide(Caller caller, string runId, bool approve, string? comment)
    {
        comment = string.IsNullOrWhiteSpace(comment) ? null : comment.Trim();
        if (comment is { Length: > MaxCommentLength } || (!approve && comment is null))
        {
            throw ApiProblemException.Validation(new Dictionary<string, string[]>
            {
                ["comment"] = [approve ? $"comment is at most {MaxCommentLength} characters." : $"A rejection needs a comment (at most {MaxCommentLength} characters): it tells the requester why."],
            });
        }

        var run = deployments.Find(caller.Scope, runId);
        if (caller.ProductScope is { } scope
            && (products.FindByName(caller.Scope, run.Product) is not { } product || !scope.Contains(product.Id, StringComparer.Ordinal)))
        {
            throw new ApiProblemException(StatusCodes.Status403Forbidden, "Forbidden",
                $"This API token is limited to other products: it may not decide on runs of '{run.Product}'.");
        }

        if (run.Status != DeploymentStatus.PendingApproval)
        {
            throw ApiProblemException.Conflict(Decided(run));
        }

        if (run.CreatedBy == caller.ActorId || (run.CreatedByUser is not null && run.CreatedByUser == caller.UserId))
        {
            throw new ApiProblemException(StatusCodes.Status403Forbidden, "Forbidden",
                $"You requested run {runId}, so you may not {(approve ? "approve" : "reject")} it: another approver must decide.");
        }

        var decidedBy = caller.UserId is { } userId ? users.Get(caller.Scope, userId)?.Email ?? userId : caller.ActorId;
        if (!store.Decide(caller.Scope, runId, approve, decidedBy, comment, run.Product))
        {
            // Another approver (or a cancel) got there first.
            throw ApiProblemException.Conflict(Decided(deployments.Find(caller.Scope, runId)));
        }

        LogDecided(logger, runId, approve ? "approved" : "rejected", decidedBy);
        if (approve)
        {
            dispatcher.Dispatch(caller.Scope);
        }

        signals.Changed(runId);
        return deployments.Get(caller.Scope, runId);
    }

    private static string Decided(DeploymentRow run) => run.DecidedBy is { } by
        ? $"Run {run.Id} was already {(run.Status == DeploymentStatus.Rejected ? "rejected" : "approved")} by {by}."
        : $"Run {run.Id} is not waiting for approval (it is {run.Status}).";

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} {Decision} by {DecidedBy}")]
    private static partial void LogDecided(ILogger logger, string runId, string decision, string decidedBy);
}
