using System.Globalization;
using Argy.ControlPlane.Api;
using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Orgs;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;

namespace Argy.ControlPlane.Quotas;

/// <summary>Reading and setting the deployment quotas of a tenant and of its orgs.</summary>
public sealed partial class DeploymentQuotaService(
    Database database, DeploymentQuotaStore store, OrgStore orgs, AuditTrail audit, ILogger<DeploymentQuotaService> logger)
{
    public const int MaxLimit = 1_000_000;

    public DeploymentQuotasResponse Show(TenantScope scope) => new(
        Describe(scope, QuotaScopeType.Tenant, null, store.Get(scope, QuotaScopeType.Tenant, scope.TenantId)),
        [.. store.OrgQuotas(scope).Select(o => Describe(scope, QuotaScopeType.Org, o.OrgId, o.Quota))]);

    public DeploymentQuotaResponse SetTenant(Caller caller, DeploymentQuotaRequest request) =>
        Set(caller, QuotaScopeType.Tenant, caller.Scope.TenantId, null, request);

    public DeploymentQuotaResponse SetOrg(Caller caller, string orgId, DeploymentQuotaRequest request)
    {
        _ = orgs.Get(caller.Scope, orgId) ?? throw ApiProblemException.NotFound("org", orgId);
        return Set(caller, QuotaScopeType.Org, orgId, orgId, request);
    }

    private DeploymentQuotaResponse Set(Caller caller, string scopeType, string scopeId, string? orgId, DeploymentQuotaRequest request)
    {
        var errors = new FieldErrors();
        errors.Require(request.DeploymentsPerHour is null or (>= 0 and <= MaxLimit), "deploymentsPerHour",
            $"deploymentsPerHour must be between 0 and {MaxLimit}, or null for no limit.");
        errors.Require(request.DeploymentsPerDay is null or (>= 0 and <= MaxLimit), "deploymentsPerDay",
            $"deploymentsPerDay must be between 0 and {MaxLimit}, or null for no limit.");
        errors.ThrowIfAny();

        var quota = new DeploymentQuota(request.DeploymentsPerHour, request.DeploymentsPerDay);
        using (var connection = database.Open())
        using (var transaction = Database.BeginWrite(connection))
        {
            store.Set(connection, transaction, caller.Scope, scopeType, scopeId, quota, caller.ActorId);
            audit.Append(connection, transaction, caller.Scope, new AuditEntry(
                AuditActions.QuotaUpdated, AuditResources.DeploymentQuota, scopeType == QuotaScopeType.Tenant ? "tenant" : "org:" + orgId,
                Detail: $"Deployment quota of {scopeType} {scopeId} set to {Text(quota.DeploymentsPerHour)} per hour and {Text(quota.DeploymentsPerDay)} per day.",
                Data: new Dictionary<string, string?>
                {
                    ["scope"] = scopeType,
                    ["orgId"] = orgId,
                    ["deploymentsPerHour"] = quota.DeploymentsPerHour?.ToString(CultureInfo.InvariantCulture),
                    ["deploymentsPerDay"] = quota.DeploymentsPerDay?.ToString(CultureInfo.InvariantCulture),
                }));
            transaction.Commit();
        }

        LogQuotaSet(logger, scopeType, scopeId, quota.DeploymentsPerHour, quota.DeploymentsPerDay, caller.ActorId);
        return Describe(caller.Scope, scopeType, orgId, quota);
    }

    private DeploymentQuotaResponse Describe(TenantScope scope, string scopeType, string? orgId, DeploymentQuota quota) => new(
        scopeType, orgId, quota.DeploymentsPerHour, quota.DeploymentsPerDay,
        store.Used(scope, orgId, QuotaWindow.Hour.Length), store.Used(scope, orgId, QuotaWindow.Day.Length));

    private static string Text(int? limit) => limit?.ToString(CultureInfo.InvariantCulture) ?? "unlimited";

    [LoggerMessage(Level = LogLevel.Information, Message = "Deployment quota of {ScopeType} {ScopeId} set to {PerHour}/hour, {PerDay}/day (empty: no limit) by {Actor}")]
    private static partial void LogQuotaSet(ILogger logger, string scopeType, string scopeId, int? perHour, int? perDay, string actor);
}
