namespace Argy.ControlPlane.Quotas;

/// <summary>The tables of deployment quotas and approvals.</summary>
public static class QuotaSchema
{
    /// <summary>
    /// Deployments learn their org (for org quotas), the user who asked (so nobody approves their own) and the
    /// approval decision. The quota check counts a tenant's (or org's) deployments in a time window, so both
    /// counts are index range scans. Products gain their approval rule (JSON, null = no approval needed).
    /// Quotas are rows, not tenant settings, so every control-plane instance reads them inside the write
    /// transaction that counts and inserts.
    /// </summary>
    public const string Migration =
        """
        ALTER TABLE deployments ADD COLUMN org_id TEXT;
        ALTER TABLE deployments ADD COLUMN created_by_user TEXT;
        ALTER TABLE deployments ADD COLUMN decided_by TEXT;
        ALTER TABLE deployments ADD COLUMN decided_at INTEGER;
        ALTER TABLE deployments ADD COLUMN decision_comment TEXT;
        CREATE INDEX ix_deployments_tenant_created ON deployments(tenant_id, created_at);
        CREATE INDEX ix_deployments_org_created ON deployments(tenant_id, org_id, created_at);

        ALTER TABLE products ADD COLUMN approval TEXT;

        CREATE TABLE deployment_quotas (
            tenant_id             TEXT NOT NULL REFERENCES tenants(id),
            scope_type            TEXT NOT NULL CHECK (scope_type IN ('tenant', 'org')),
            scope_id              TEXT NOT NULL,
            deployments_per_hour  INTEGER,
            deployments_per_day   INTEGER,
            updated_at            INTEGER NOT NULL,
            updated_by            TEXT NOT NULL,
            PRIMARY KEY (tenant_id, scope_type, scope_id)
        ) WITHOUT ROWID;
        """;
}
