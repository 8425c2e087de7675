namespace Argy.Cli.Api;

/// <summary>Approvals of deployments and deployment quotas.</summary>
internal sealed partial class ArgyApiClient
{
    public Task<ApiResult<ItemList<Deployment>>> ListApprovalsAsync(CancellationToken ct) =>
        SendAsync(HttpMethod.Get, "api/v1/approvals", null, ArgyJsonContext.Default.ItemListDeployment, ct);

    public Task<ApiResult<Deployment>> ApproveDeploymentAsync(string runId, string? comment, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"api/v1/deployments/{Escape(runId)}/approve",
            Json(new ApprovalDecision { Comment = comment }, ApprovalsJsonContext.Default.ApprovalDecision), ArgyJsonContext.Default.Deployment, ct);

    public Task<ApiResult<Deployment>> RejectDeploymentAsync(string runId, string comment, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"api/v1/deployments/{Escape(runId)}/reject",
            Json(new ApprovalDecision { Comment = comment }, ApprovalsJsonContext.Default.ApprovalDecision), ArgyJsonContext.Default.Deployment, ct);

    public Task<ApiResult<DeploymentQuotas>> GetDeploymentQuotasAsync(CancellationToken ct) =>
        SendAsync(HttpMethod.Get, "api/v1/quotas/deployments", null, ApprovalsJsonContext.Default.DeploymentQuotas, ct);

    /// <summary>Sets the tenant's quota, or an org's when <paramref name="orgId"/> is given.</summary>
    public Task<ApiResult<DeploymentQuota>> SetDeploymentQuotaAsync(string? orgId, DeploymentQuotaSetting setting, CancellationToken ct) =>
        SendAsync(HttpMethod.Put, orgId is null ? "api/v1/quotas/deployments" : $"api/v1/quotas/deployments/orgs/{Escape(orgId)}",
            Json(setting, ApprovalsJsonContext.Default.DeploymentQuotaSetting), ApprovalsJsonContext.Default.DeploymentQuota, ct);
}
