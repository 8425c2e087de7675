namespace Argy.ControlPlane.Audit;

/// <summary>
/// The audit trail's columns. Records written before the chain began keep a null hash and are reported as
/// unchained by verification; every later record carries the hash of its tenant's previous record. When
/// retention purges a tenant's oldest records, <c>audit_anchors</c> keeps the last purged record's hash so the
/// chain still verifies from there.
/// </summary>
public static class AuditSchema
{
    public const string Migration =
        """
        ALTER TABLE audit_events ADD COLUMN org_id TEXT;
        ALTER TABLE audit_events ADD COLUMN actor_type TEXT NOT NULL DEFAULT 'system';
        ALTER TABLE audit_events ADD COLUMN resource_type TEXT;
        ALTER TABLE audit_events ADD COLUMN resource_id TEXT;
        ALTER TABLE audit_events ADD COLUMN user_agent TEXT;
        ALTER TABLE audit_events ADD COLUMN correlation_id TEXT;
        ALTER TABLE audit_events ADD COLUMN data TEXT;
        ALTER TABLE audit_events ADD COLUMN content BLOB;
        ALTER TABLE audit_events ADD COLUMN content_key_id TEXT;
        ALTER TABLE audit_events ADD COLUMN prev_hash BLOB;
        ALTER TABLE audit_events ADD COLUMN hash BLOB;
        CREATE INDEX ix_audit_events_tenant_at ON audit_events(tenant_id, at);
        CREATE INDEX ix_audit_events_tenant_action ON audit_events(tenant_id, action, seq);
        CREATE INDEX ix_audit_events_tenant_actor ON audit_events(tenant_id, actor, seq);
        CREATE INDEX ix_audit_events_tenant_resource ON audit_events(tenant_id, resource_type, resource_id, seq);

        -- Where a tenant's chain resumes after retention purged its oldest records: the last purged record's seq
        -- and hash. tenant_id is '' for the chain of records that belong to no tenant.
        CREATE TABLE audit_anchors (
            tenant_id          TEXT NOT NULL PRIMARY KEY,
            seq                INTEGER NOT NULL,
            hash               BLOB NOT NULL,
            purged_through_at  INTEGER NOT NULL,
            at                 INTEGER NOT NULL
        );
        """;
}
