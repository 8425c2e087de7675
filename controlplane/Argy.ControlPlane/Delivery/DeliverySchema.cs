namespace Argy.ControlPlane.Delivery;

/// <summary>
/// The tables of delivery to other systems. A sink reads its tenant's audit trail (the outbox) from
/// <c>cursor_seq</c> on; the cursor moves only after the receiver accepted an event, so nothing is skipped.
/// </summary>
public static class DeliverySchema
{
    public const string Migration =
        """
        CREATE TABLE delivery_sinks (
            id                 TEXT PRIMARY KEY,
            tenant_id          TEXT NOT NULL REFERENCES tenants(id),
            name               TEXT NOT NULL,
            kind               TEXT NOT NULL CHECK (kind IN ('siem', 'webhook', 'email')),
            format             TEXT NOT NULL CHECK (format IN ('json', 'cef')),
            url                TEXT,
            key_id             TEXT,
            sealed_secret      BLOB,
            events             TEXT NOT NULL DEFAULT '[]',
            recipients         TEXT NOT NULL DEFAULT '[]',
            enabled            INTEGER NOT NULL DEFAULT 1,
            cursor_seq         INTEGER NOT NULL DEFAULT 0,
            attempts           INTEGER NOT NULL DEFAULT 0,
            next_attempt_at    INTEGER,
            last_error         TEXT,
            last_delivered_at  INTEGER,
            created_by         TEXT NOT NULL,
            created_at         INTEGER NOT NULL,
            updated_at         INTEGER NOT NULL,
            CHECK ((kind = 'email' AND url IS NULL AND sealed_secret IS NULL)
                OR (kind <> 'email' AND url IS NOT NULL AND sealed_secret IS NOT NULL AND key_id IS NOT NULL))
        );
        CREATE INDEX ix_delivery_sinks_tenant ON delivery_sinks(tenant_id, created_at);
        CREATE INDEX ix_delivery_sinks_due ON delivery_sinks(enabled, next_attempt_at);
        """;
}
