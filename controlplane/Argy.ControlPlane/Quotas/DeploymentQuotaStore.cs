using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Argy.ControlPlane.Quotas;

/// <summary>
/// Deployment quotas of a tenant and its orgs, and the check that runs inside the submission's write
/// transaction: the count and the insert share SQLite's single write lock, so concurrent submissions, from this
/// control plane or another one on the same database, cannot both take the last slot.
/// </summary>
public sealed class DeploymentQuotaStore(Database database, TimeProvider time)
{
    private sealed class QuotaRow
    {
        public string ScopeType { get; init; } = "";
        public string ScopeId { get; init; } = "";
        public int? DeploymentsPerHour { get; init; }
        public int? DeploymentsPerDay { get; init; }
    }

    public DeploymentQuota Get(TenantScope scope, string scopeType, string scopeId)
    {
        using var connection = database.Open();
        var row = connection.QuerySingleOrDefault<QuotaRow>(
            """
            SELECT scope_type AS ScopeType, scope_id AS ScopeId, deployments_per_hour AS DeploymentsPerHour, deployments_per_day AS DeploymentsPerDay FROM deployment_quotas
             WHERE tenant_id = @tenant AND scope_type = @scopeType AND scope_id = @scopeId
            """,
            new { tenant = scope.TenantId, scopeType, scopeId });
        return row is null ? DeploymentQuota.Unlimited : new DeploymentQuota(row.DeploymentsPerHour, row.DeploymentsPerDay);
    }

    /// <summary>The orgs of the tenant that have a deployment quota.</summary>
    public IReadOnlyList<(string OrgId, DeploymentQuota Quota)> OrgQuotas(TenantScope scope)
    {
        using var connection = database.Open();
        return connection.Query<QuotaRow>(
                """
                SELECT scope_type AS ScopeType, scope_id AS ScopeId, deployments_per_hour AS DeploymentsPerHour, deployments_per_day AS DeploymentsPerDay FROM deployment_quotas
                 WHERE tenant_id = @tenant AND scope_type = 'org' ORDER BY scope_id
                """,
                new { tenant = scope.TenantId })
            .Select(r => (r.ScopeId, new DeploymentQuota(r.DeploymentsPerHour, r.DeploymentsPerDay)))
            .ToList();
    }

    /// <summary>Replaces a quota inside the caller's write transaction; an unlimited quota removes the row.</summary>
    public void Set(SqliteConnection connection, SqliteTransaction transaction, TenantScope scope, string scopeType, string scopeId,
        DeploymentQuota quota, string actor)
    {
        if (quota.IsUnlimited)
        {
            connection.Execute(
                "DELETE FROM deployment_quotas WHERE tenant_id = @tenant AND scope_type = @scopeType AND scope_id = @scopeId",
                new { tenant = scope.TenantId, scopeType, scopeId }, transaction);
            return;
        }

        connection.Execute(
            """
            INSERT INTO deployment_quotas (tenant_id, scope_type, scope_id, deployments_per_hour, deployments_per_day, updated_at, updated_by)
            VALUES (@tenant, @scopeType, @scopeId, @perHour, @perDay, @now, @actor)
            ON CONFLICT (tenant_id, scope_type, scope_id) DO UPDATE SET
                deployments_per_hour = excluded.deployments_per_hour, deployments_per_day = excluded.deployments_per_day,
                updated_at = excluded.updated_at, updated_by = excluded.updated_by
            """,
            new
            {
                tenant = scope.TenantId, scopeType, scopeId, perHour = quota.DeploymentsPerHour, perDay = quota.DeploymentsPerDay,
                now = UnixMs.From(time.GetUtcNow()), actor,
            },
            transaction);
    }

    /// <summary>Deployments created in the rolling window ending now, for the tenant (orgId null) or one org.</summary>
    public int Used(TenantScope scope, string? orgId, TimeSpan window)
    {
        using var connection = database.Open();
        return Count(connection, null, scope, orgId, UnixMs.From(time.GetUtcNow()) - (long)window.TotalMilliseconds);
    }

    /// <summary>
    /// Checks the tenant's quota and, when the submission has an org, the org's, against the deployments created in
    /// the rolling hour and day before <paramref name="now"/>. Runs inside the submission's write transaction,
    /// before its insert. Returns null when every quota has room (one indexed COUNT per limit set); otherwise the
    /// full quota that frees up last, so its Retry-After is the earliest time a retry can succeed.
    /// </summary>
    public QuotaBreach? Check(SqliteConnection connection, SqliteTransaction transaction, TenantScope scope, string? orgId, long now)
    {
        QuotaBreach? worst = null;
        var rows = connection.Query<QuotaRow>(
            """
            SELECT scope_type AS ScopeType, scope_id AS ScopeId, deployments_per_hour AS DeploymentsPerHour, deployments_per_day AS DeploymentsPerDay FROM deployment_quotas
             WHERE tenant_id = @tenant AND ((scope_type = 'tenant' AND scope_id = @tenant) OR (scope_type = 'org' AND scope_id = @orgId))
             ORDER BY scope_type DESC
            """,
            new { tenant = scope.TenantId, orgId }, transaction).AsList();
        foreach (var row in rows)
        {
            var countedOrg = row.ScopeType == QuotaScopeType.Org ? row.ScopeId : null;
            foreach (var (window, limit) in new[] { (QuotaWindow.Hour, row.DeploymentsPerHour), (QuotaWindow.Day, row.DeploymentsPerDay) })
            {
                if (limit is not { } max)
                {
                    continue;
                }

                var since = now - (long)window.Length.TotalMilliseconds;
                var used = Count(connection, transaction, scope, countedOrg, since);
                if (used < max)
                {
                    continue;
                }

                // The window admits one more once enough of its oldest deployments have left it.
                var freedBy = max == 0 ? (long?)null : connection.ExecuteScalar<long?>(
                    $"""
                    SELECT created_at FROM deployments
                     WHERE tenant_id = @tenant AND {(countedOrg is null ? "" : "org_id = @org AND ")}created_at > @since
                     ORDER BY created_at LIMIT 1 OFFSET @offset
                    """,
                    new { tenant = scope.TenantId, org = countedOrg, since, offset = used - max }, transaction);
                var waitMs = freedBy is { } at ? at + (long)window.Length.TotalMilliseconds - now : (long)window.Length.TotalMilliseconds;
                var retryAfter = Math.Max(1, (waitMs + 999) / 1000);
                var name = countedOrg is null
                    ? "tenant " + (connection.ExecuteScalar<string?>("SELECT name FROM tenants WHERE id = @tenant", new { tenant = scope.TenantId }, transaction) ?? scope.TenantId)
                    : "org " + (connection.ExecuteScalar<string?>("SELECT name FROM orgs WHERE id = @org AND tenant_id = @tenant", new { org = countedOrg, tenant = scope.TenantId }, transaction) ?? countedOrg);
                if (worst is null || retryAfter > worst.RetryAfterSeconds)
                {
                    worst = new QuotaBreach(row.ScopeType, row.ScopeId, name, window, max, used, retryAfter);
                }
            }
        }

        return worst;
    }

    private static int Count(SqliteConnection connection, SqliteTransaction? transaction, TenantScope scope, string? orgId, long since) =>
        connection.ExecuteScalar<int>(
            orgId is null
                ? "SELECT COUNT(*) FROM deployments WHERE tenant_id = @tenant AND created_at > @since"
                : "SELECT COUNT(*) FROM deployments WHERE tenant_id = @tenant AND org_id = @orgId AND created_at > @since",
            new { tenant = scope.TenantId, orgId, since }, transaction);
}
