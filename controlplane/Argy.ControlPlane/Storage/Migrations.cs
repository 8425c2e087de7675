using Microsoft.Data.Sqlite;

namespace Argy.ControlPlane.Storage;

/// <summary>
/// Versioned schema changes, applied in order at start. The applied version lives in SQLite's
/// <c>user_version</c> header field, so the schema needs no bookkeeping table of its own.
/// Never edit a shipped migration: add the next one.
/// </summary>
public static class Migrations
{
    private static readonly string[] Steps =
    [
        // 1: tenants, API tokens, agents, deployments and their logs. Every table carries tenant_id.
        """
        CREATE TABLE tenants (
            id          TEXT PRIMARY KEY,
            tenant_id   TEXT NOT NULL,
            name        TEXT NOT NULL UNIQUE,
            created_at  INTEGER NOT NULL,
            CHECK (tenant_id = id)
        );

        CREATE TABLE api_tokens (
            id            TEXT PRIMARY KEY,
            tenant_id     TEXT NOT NULL REFERENCES tenants(id),
            name          TEXT NOT NULL,
            role          TEXT NOT NULL,
            secret_hash   BLOB NOT NULL,
            created_at    INTEGER NOT NULL,
            expires_at    INTEGER,
            revoked_at    INTEGER,
            last_used_at  INTEGER
        );
        CREATE INDEX ix_api_tokens_tenant ON api_tokens(tenant_id);

        CREATE TABLE agents (
            id                     TEXT PRIMARY KEY,
            tenant_id              TEXT NOT NULL REFERENCES tenants(id),
            name                   TEXT NOT NULL,
            description            TEXT NOT NULL DEFAULT '',
            tags                   TEXT NOT NULL,
            enrollment_hash        BLOB,
            enrollment_expires_at  INTEGER,
            credential_hash        BLOB,
            enrolled_at            INTEGER,
            revoked_at             INTEGER,
            status                 TEXT NOT NULL DEFAULT 'Pending',
            hostname               TEXT,
            os                     TEXT,
            arch                   TEXT,
            version                TEXT,
            reported_tags          TEXT,
            capacity               INTEGER NOT NULL DEFAULT 0,
            last_activity_at       INTEGER,
            created_at             INTEGER NOT NULL,
            UNIQUE (tenant_id, name)
        );

        CREATE TABLE deployments (
            seq              INTEGER PRIMARY KEY AUTOINCREMENT,
            id               TEXT NOT NULL UNIQUE,
            tenant_id        TEXT NOT NULL REFERENCES tenants(id),
            product          TEXT NOT NULL,
            command          TEXT,
            script           TEXT,
            tags             TEXT NOT NULL,
            env              TEXT NOT NULL,
            secrets          BLOB,
            timeout_seconds  INTEGER NOT NULL,
            status           TEXT NOT NULL,
            agent_id         TEXT,
            exit_code        INTEGER,
            message          TEXT,
            created_by       TEXT NOT NULL,
            created_at       INTEGER NOT NULL,
            assigned_at      INTEGER,
            started_at       INTEGER,
            finished_at      INTEGER,
            last_log_seq     INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX ix_deployments_tenant_status ON deployments(tenant_id, status, seq);
        CREATE INDEX ix_deployments_agent ON deployments(agent_id, status);

        CREATE TABLE log_chunks (
            tenant_id  TEXT NOT NULL,
            run_id     TEXT NOT NULL,
            seq        INTEGER NOT NULL,
            stream     INTEGER NOT NULL,
            ts         INTEGER NOT NULL,
            data       BLOB NOT NULL,
            PRIMARY KEY (run_id, seq)
        ) WITHOUT ROWID;
        """,

        // 2: agent credentials (several per agent: two are valid during a rotation) with their mode, device
        // authorizations (RFC 8628) and the audit trail. Existing agent credentials move to the new table as
        // API keys; agents.credential_hash is no longer used.
        """
        ALTER TABLE agents ADD COLUMN auth_mode TEXT NOT NULL DEFAULT 'apikey';

        CREATE TABLE agent_credentials (
            id             TEXT PRIMARY KEY,
            tenant_id      TEXT NOT NULL REFERENCES tenants(id),
            agent_id       TEXT NOT NULL REFERENCES agents(id),
            mode           TEXT NOT NULL,
            secret_hash    BLOB,
            sealed_secret  BLOB,
            created_at     INTEGER NOT NULL,
            expires_at     INTEGER,
            revoked_at     INTEGER,
            CHECK ((mode = 'apikey' AND secret_hash IS NOT NULL AND sealed_secret IS NULL)
                OR (mode = 'hmac' AND sealed_secret IS NOT NULL AND secret_hash IS NULL))
        );
        CREATE INDEX ix_agent_credentials_agent ON agent_credentials(tenant_id, agent_id);

        INSERT INTO agent_credentials (id, tenant_id, agent_id, mode, secret_hash, created_at)
        SELECT 'key_' || substr(id, 5), tenant_id, id, 'apikey', credential_hash, COALESCE(enrolled_at, created_at)
          FROM agents WHERE credential_hash IS NOT NULL AND revoked_at IS NULL;
        UPDATE agents SET credential_hash = NULL;

        CREATE TABLE device_authorizations (
            id                TEXT PRIMARY KEY,
            tenant_id         TEXT REFERENCES tenants(id),
            device_code_hash  BLOB NOT NULL UNIQUE,
            user_code         TEXT NOT NULL UNIQUE,
            client_id         TEXT NOT NULL,
            scope             TEXT NOT NULL,
            source_ip         TEXT NOT NULL,
            hostname          TEXT NOT NULL DEFAULT '',
            os                TEXT NOT NULL DEFAULT '',
            arch              TEXT NOT NULL DEFAULT '',
            version           TEXT NOT NULL DEFAULT '',
            requested_name    TEXT NOT NULL DEFAULT '',
            requested_tags    TEXT NOT NULL DEFAULT '[]',
            status            TEXT NOT NULL,
            interval_seconds  INTEGER NOT NULL,
            last_polled_at    INTEGER,
            decided_by        TEXT,
            decided_at        INTEGER,
            agent_id          TEXT,
            role              TEXT,
            created_at        INTEGER NOT NULL,
            expires_at        INTEGER NOT NULL
        );
        CREATE INDEX ix_device_authorizations_status ON device_authorizations(status, expires_at);

        CREATE TABLE audit_events (
            seq        INTEGER PRIMARY KEY AUTOINCREMENT,
            tenant_id  TEXT,
            at         INTEGER NOT NULL,
            action     TEXT NOT NULL,
            outcome    TEXT NOT NULL,
            actor      TEXT NOT NULL,
            subject    TEXT,
            source_ip  TEXT,
            detail     TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX ix_audit_events_tenant ON audit_events(tenant_id, seq);
        """,
        // 3: identity and access: orgs, users with their one-time links and sessions, per-tenant session signing
        // keys, teams, products and who may use them, SCIM tokens, SSO providers and tenant settings. API tokens
        // gain an owner, an org and a product scope.
        """
        CREATE TABLE orgs (
            id           TEXT PRIMARY KEY,
            tenant_id    TEXT NOT NULL REFERENCES tenants(id),
            name         TEXT NOT NULL,
            description  TEXT NOT NULL DEFAULT '',
            created_at   INTEGER NOT NULL,
            updated_at   INTEGER NOT NULL,
            UNIQUE (tenant_id, name)
        );

        CREATE TABLE users (
            id               TEXT PRIMARY KEY,
            tenant_id        TEXT NOT NULL REFERENCES tenants(id),
            org_id           TEXT REFERENCES orgs(id),
            email            TEXT NOT NULL,
            email_key        TEXT NOT NULL,
            display_name     TEXT NOT NULL DEFAULT '',
            given_name       TEXT,
            family_name      TEXT,
            external_id      TEXT,
            role             TEXT NOT NULL,
            status           TEXT NOT NULL,
            session_version  INTEGER NOT NULL DEFAULT 1,
            source           TEXT NOT NULL,
            created_at       INTEGER NOT NULL,
            updated_at       INTEGER NOT NULL,
            activated_at     INTEGER,
            disabled_at      INTEGER,
            last_sign_in_at  INTEGER,
            UNIQUE (tenant_id, email_key)
        );
        CREATE INDEX ix_users_external ON users(tenant_id, external_id);

        CREATE TABLE user_links (
            id           TEXT PRIMARY KEY,
            tenant_id    TEXT NOT NULL REFERENCES tenants(id),
            user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            purpose      TEXT NOT NULL,
            secret_hash  BLOB NOT NULL,
            created_at   INTEGER NOT NULL,
            expires_at   INTEGER NOT NULL,
            used_at      INTEGER
        );
        CREATE INDEX ix_user_links_user ON user_links(tenant_id, user_id);

        CREATE TABLE sessions (
            id            TEXT PRIMARY KEY,
            tenant_id     TEXT NOT NULL REFERENCES tenants(id),
            user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            user_version  INTEGER NOT NULL,
            method        TEXT NOT NULL,
            ip            TEXT,
            user_agent    TEXT,
            created_at    INTEGER NOT NULL,
            expires_at    INTEGER NOT NULL,
            last_seen_at  INTEGER NOT NULL,
            revoked_at    INTEGER,
            revoke_reason TEXT
        );
        CREATE INDEX ix_sessions_user ON sessions(tenant_id, user_id);

        CREATE TABLE signing_keys (
            id           TEXT PRIMARY KEY,
            tenant_id    TEXT NOT NULL REFERENCES tenants(id),
            algorithm    TEXT NOT NULL,
            private_key  BLOB NOT NULL,
            created_at   INTEGER NOT NULL
        );
        CREATE INDEX ix_signing_keys_tenant ON signing_keys(tenant_id, created_at);

        CREATE TABLE tenant_settings (
            tenant_id   TEXT NOT NULL REFERENCES tenants(id),
            section     TEXT NOT NULL,
            value       TEXT NOT NULL,
            updated_at  INTEGER NOT NULL,
            updated_by  TEXT NOT NULL,
            PRIMARY KEY (tenant_id, section)
        ) WITHOUT ROWID;

        CREATE TABLE teams (
            id            TEXT PRIMARY KEY,
            tenant_id     TEXT NOT NULL REFERENCES tenants(id),
            org_id        TEXT REFERENCES orgs(id),
            name          TEXT NOT NULL,
            name_key      TEXT NOT NULL,
            description   TEXT NOT NULL DEFAULT '',
            lead_user_id  TEXT REFERENCES users(id) ON DELETE SET NULL,
            external_id   TEXT,
            created_at    INTEGER NOT NULL,
            updated_at    INTEGER NOT NULL,
            UNIQUE (tenant_id, name_key)
        );

        CREATE TABLE team_members (
            tenant_id  TEXT NOT NULL REFERENCES tenants(id),
            team_id    TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
            user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            added_at   INTEGER NOT NULL,
            PRIMARY KEY (team_id, user_id)
        ) WITHOUT ROWID;
        CREATE INDEX ix_team_members_user ON team_members(tenant_id, user_id);

        CREATE TABLE products (
            id           TEXT PRIMARY KEY,
            tenant_id    TEXT NOT NULL REFERENCES tenants(id),
            org_id       TEXT REFERENCES orgs(id),
            name         TEXT NOT NULL,
            description  TEXT NOT NULL DEFAULT '',
            created_by   TEXT NOT NULL,
            created_at   INTEGER NOT NULL,
            updated_at   INTEGER NOT NULL,
            UNIQUE (tenant_id, name)
        );

        CREATE TABLE team_products (
            tenant_id   TEXT NOT NULL REFERENCES tenants(id),
            team_id     TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
            product_id  TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
            permission  TEXT NOT NULL CHECK (permission IN ('read', 'write', 'admin')),
            PRIMARY KEY (team_id, product_id)
        ) WITHOUT ROWID;
        CREATE INDEX ix_team_products_product ON team_products(tenant_id, product_id);

        CREATE TABLE scim_tokens (
            id            TEXT PRIMARY KEY,
            tenant_id     TEXT NOT NULL REFERENCES tenants(id),
            secret_hash   BLOB NOT NULL,
            created_at    INTEGER NOT NULL,
            created_by    TEXT NOT NULL,
            revoked_at    INTEGER,
            last_used_at  INTEGER
        );
        CREATE INDEX ix_scim_tokens_tenant ON scim_tokens(tenant_id);

        CREATE TABLE sso_providers (
            id                    TEXT PRIMARY KEY,
            tenant_id             TEXT NOT NULL REFERENCES tenants(id),
            kind                  TEXT NOT NULL CHECK (kind IN ('oidc', 'saml')),
            name                  TEXT NOT NULL,
            config                TEXT NOT NULL,
            sealed_client_secret  BLOB,
            enabled               INTEGER NOT NULL DEFAULT 1,
            created_at            INTEGER NOT NULL,
            updated_at            INTEGER NOT NULL,
            UNIQUE (tenant_id, name)
        );

        ALTER TABLE api_tokens ADD COLUMN user_id TEXT;
        ALTER TABLE api_tokens ADD COLUMN org_id TEXT;
        ALTER TABLE api_tokens ADD COLUMN products TEXT;
        ALTER TABLE api_tokens ADD COLUMN created_by TEXT;
        CREATE INDEX ix_api_tokens_user ON api_tokens(tenant_id, user_id);
        """,

        // 4: what a device-flow login inherits from its approver (user, org, product scope), so the token it
        // yields is never broader than the approver's credential and dies with the approver's user.
        """
        ALTER TABLE device_authorizations ADD COLUMN login_grant TEXT;
        """,

        // 5: the audit trail's full record (actor type, resource, user agent, correlation id, content) and its hash chain.
        Audit.AuditSchema.Migration,

        // 6: deployment quotas and approvals.
        Quotas.QuotaSchema.Migration,

        // 7: LLM credits: reservations, usage and alert state.
        Llm.LlmSchema.Migration,

        // 8: delivery to SIEMs, webhooks and email: sinks and their cursors over the audit trail.
        Delivery.DeliverySchema.Migration,
    ];

    public static int Latest => Steps.Length;

    /// <summary>Applies every migration newer than the file's version, each in its own transaction.</summary>
    public static int Apply(Database database)
    {
        using var connection = database.Open();
        using (var wal = connection.CreateCommand())
        {
            // WAL lets readers (log followers, lists) run while the dispatcher writes.
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            wal.ExecuteNonQuery();
        }

        var current = CurrentVersion(connection);
        if (current > Steps.Length)
        {
            throw new InvalidOperationException(
                $"The database {database.Path} has schema version {current}, newer than this control plane knows ({Steps.Length}). Upgrade the control plane.");
        }

        for (var version = current + 1; version <= Steps.Length; version++)
        {
            using var transaction = Database.BeginWrite(connection);
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = Steps[version - 1] + $"\nPRAGMA user_version = {version};";
            command.ExecuteNonQuery();
            transaction.Commit();
        }

        return Steps.Length;
    }

    public static int CurrentVersion(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
