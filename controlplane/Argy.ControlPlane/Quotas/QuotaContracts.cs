namespace Argy.ControlPlane.Quotas;

/// <summary>PUT body: both limits are replaced; null (or absent) means no limit.</summary>
public sealed record DeploymentQuotaRequest(int? DeploymentsPerHour, int? DeploymentsPerDay);

/// <summary>A quota and how much of it the rolling windows hold right now.</summary>
public sealed record DeploymentQuotaResponse(
    string Scope, string? OrgId, int? DeploymentsPerHour, int? DeploymentsPerDay, int UsedLastHour, int UsedLastDay);

public sealed record DeploymentQuotasResponse(DeploymentQuotaResponse Tenant, IReadOnlyList<DeploymentQuotaResponse> Orgs);
