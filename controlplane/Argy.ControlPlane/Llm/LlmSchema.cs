namespace Argy.ControlPlane.Llm;

/// <summary>
/// The tables of LLM credits. Token counts are integers (1 credit = 1,000,000 tokens); usage rows carry the
/// billing period they were recorded in (e.g. <c>2026-11</c> in the tenant's time zone), so quotas reset by
/// themselves when the period changes. Each usage row is also added, in the same transaction, to two rollups that
/// keep reports fast over a year of data: per UTC day, user and model (<c>llm_usage_daily</c>) and per quarter hour
/// (<c>llm_usage_quarters</c>, fine enough to place usage in the days of any time zone).
/// </summary>
public static class LlmSchema
{
    public const string Migration =
        """
        CREATE TABLE llm_user_quotas (
            tenant_id       TEXT NOT NULL REFERENCES tenants(id),
            user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            monthly_tokens  INTEGER,
            updated_at      INTEGER NOT NULL,
            updated_by      TEXT NOT NULL,
            PRIMARY KEY (tenant_id, user_id)
        ) WITHOUT ROWID;

        CREATE TABLE llm_reservations (
            id                TEXT PRIMARY KEY,
            tenant_id         TEXT NOT NULL REFERENCES tenants(id),
            user_id           TEXT NOT NULL,
            model             TEXT NOT NULL,
            correlation_id    TEXT,
            estimated_tokens  INTEGER NOT NULL,
            status            TEXT NOT NULL,
            created_at        INTEGER NOT NULL,
            expires_at        INTEGER NOT NULL,
            closed_at         INTEGER,
            usage_id          TEXT
        );
        CREATE INDEX ix_llm_reservations_open ON llm_reservations(tenant_id, user_id, status, expires_at);

        CREATE TABLE llm_usage (
            id              TEXT PRIMARY KEY,
            tenant_id       TEXT NOT NULL REFERENCES tenants(id),
            user_id         TEXT NOT NULL,
            model           TEXT NOT NULL,
            input_tokens    INTEGER NOT NULL,
            output_tokens   INTEGER NOT NULL,
            total_tokens    INTEGER NOT NULL,
            period          TEXT NOT NULL,
            at              INTEGER NOT NULL,
            correlation_id  TEXT,
            reservation_id  TEXT
        );
        CREATE INDEX ix_llm_usage_tenant_at ON llm_usage(tenant_id, at);
        CREATE INDEX ix_llm_usage_user_period ON llm_usage(tenant_id, user_id, period, total_tokens);
        CREATE UNIQUE INDEX ux_llm_usage_correlation ON llm_usage(tenant_id, correlation_id) WHERE correlation_id IS NOT NULL;

        CREATE TABLE llm_usage_daily (
            tenant_id      TEXT NOT NULL REFERENCES tenants(id),
            day            INTEGER NOT NULL,
            user_id        TEXT NOT NULL,
            model          TEXT NOT NULL,
            requests       INTEGER NOT NULL,
            input_tokens   INTEGER NOT NULL,
            output_tokens  INTEGER NOT NULL,
            total_tokens   INTEGER NOT NULL,
            PRIMARY KEY (tenant_id, day, user_id, model)
        ) WITHOUT ROWID;

        CREATE TABLE llm_usage_quarters (
            tenant_id     TEXT NOT NULL REFERENCES tenants(id),
            quarter       INTEGER NOT NULL,
            requests      INTEGER NOT NULL,
            total_tokens  INTEGER NOT NULL,
            PRIMARY KEY (tenant_id, quarter)
        ) WITHOUT ROWID;

        CREATE TABLE llm_alerts (
            tenant_id  TEXT NOT NULL REFERENCES tenants(id),
            user_id    TEXT NOT NULL,
            period     TEXT NOT NULL,
            threshold  TEXT NOT NULL,
            at         INTEGER NOT NULL,
            PRIMARY KEY (tenant_id, user_id, period, threshold)
        ) WITHOUT ROWID;

        CREATE INDEX ix_deployments_usage ON deployments(tenant_id, created_at, product, status);
        """;
}
