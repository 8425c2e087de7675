using Argy.ControlPlane.Tenancy;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Argy.ControlPlane.Llm;

/// <summary>A user as credits see them: their role decides the default quota.</summary>
public sealed record LlmUser(string Id, string Email, string Role, string Status);

/// <summary>The SQL of LLM credits. Every method runs inside the caller's connection and transaction and filters on the tenant.</summary>
public sealed class LlmCreditStore
{
    public LlmUser? User(SqliteConnection connection, SqliteTransaction? transaction, TenantScope scope, string userId) =>
        connection.QuerySingleOrDefault<LlmUser>(
            "SELECT id, email, role, status FROM users WHERE tenant_id = @tenant AND id = @userId",
            new { tenant = scope.TenantId, userId }, transaction);

    /// <summary>The user's override: null when there is none; <c>Some(null)</c> when the override is unlimited.</summary>
    public (bool Exists, long? Tokens) Override(SqliteConnection connection, SqliteTransaction? transaction, TenantScope scope, string userId)
    {
        var row = connection.QuerySingleOrDefault<(string UserId, long? MonthlyTokens)?>(
            "SELECT user_id, monthly_tokens FROM llm_user_quotas WHERE tenant_id = @tenant AND user_id = @userId",
            new { tenant = scope.TenantId, userId }, transaction);
        return row is { } r ? (true, r.MonthlyTokens) : (false, null);
    }

    public IReadOnlyList<LlmUserOverride> Overrides(SqliteConnection connection, TenantScope scope) =>
        [.. connection.Query<(string UserId, string Email, long? MonthlyTokens)>(
                """
                SELECT q.user_id, u.email, q.monthly_tokens FROM llm_user_quotas q JOIN users u ON u.id = q.user_id AND u.tenant_id = q.tenant_id
                 WHERE q.tenant_id = @tenant ORDER BY u.email_key
                """, new { tenant = scope.TenantId })
            .Select(r => new LlmUserOverride(r.UserId, r.Email, r.MonthlyTokens, LlmCreditSettings.Credits(r.MonthlyTokens), r.MonthlyTokens is null))];

    public void SetOverride(SqliteConnection connection, SqliteTransaction transaction, TenantScope scope, string userId, long? tokens, long now, string actor) =>
        connection.Execute(
            """
            INSERT INTO llm_user_quotas (tenant_id, user_id, monthly_tokens, updated_at, updated_by) VALUES (@tenant, @userId, @tokens, @now, @actor)
            ON CONFLICT (tenant_id, user_id) DO UPDATE SET monthly_tokens = excluded.monthly_tokens, updated_at = excluded.updated_at, updated_by = excluded.updated_by
            """,
            new { tenant = scope.TenantId, userId, tokens, now, actor }, transaction);

    public bool ClearOverride(SqliteConnection connection, SqliteTransaction transaction, TenantScope scope, string userId) =>
        connection.Execute("DELETE FROM llm_user_quotas WHERE tenant_id = @tenant AND user_id = @userId", new { tenant = scope.TenantId, userId }, transaction) > 0;

    /// <summary>Tokens recorded for the user in the period.</summary>
    public long Used(SqliteConnection connection, SqliteTransaction? transaction, TenantScope scope, string userId, string period) =>
        connection.ExecuteScalar<long>(
            "SELECT COALESCE(SUM(total_tokens), 0) FROM llm_usage WHERE tenant_id = @tenant AND user_id = @userId AND period = @period",
            new { tenant = scope.TenantId, userId, period }, transaction);

    /// <summary>Estimates of the user's reservations that are neither settled, released nor expired.</summary>
    public long Reserved(SqliteConnection connection, SqliteTransaction? transaction, TenantScope scope, string userId, long now) =>
        connection.ExecuteScalar<long>(
            """
            SELECT COALESCE(SUM(estimated_tokens), 0) FROM llm_reservations
             WHERE tenant_id = @tenant AND user_id = @userId AND status = 'Pending' AND expires_at > @now
            """,
            new { tenant = scope.TenantId, userId, now }, transaction);

    public void InsertReservation(SqliteConnection connection, SqliteTransaction transaction, LlmReservationRow row) =>
        connection.Execute(
            """
            INSERT INTO llm_reservations (id, tenant_id, user_id, model, correlation_id, estimated_tokens, status, created_at, expires_at)
            VALUES (@Id, @TenantId, @UserId, @Model, @CorrelationId, @EstimatedTokens, @Status, @CreatedAt, @ExpiresAt)
            """,
            row, transaction);

    public LlmReservationRow? Reservation(SqliteConnection connection, SqliteTransaction? transaction, TenantScope scope, string id) =>
        connection.QuerySingleOrDefault<LlmReservationRow>(
            "SELECT * FROM llm_reservations WHERE tenant_id = @tenant AND id = @id", new { tenant = scope.TenantId, id }, transaction);

    /// <summary>Closes a pending reservation; false when it was already closed.</summary>
    public bool Close(SqliteConnection connection, SqliteTransaction transaction, TenantScope scope, string id, string status, long now, string? usageId) =>
        connection.Execute(
            """
            UPDATE llm_reservations SET status = @status, closed_at = @now, usage_id = @usageId
             WHERE tenant_id = @tenant AND id = @id AND status = 'Pending'
            """,
            new { tenant = scope.TenantId, id, status, now, usageId }, transaction) == 1;

    /// <summary>Inserts a usage row and adds it to the daily and quarter-hour rollups.</summary>
    public void InsertUsage(SqliteConnection connection, SqliteTransaction transaction, LlmUsageRow row)
    {
        connection.Execute(InsertUsageSql, row, transaction);
        connection.Execute(AddToDailySql, row, transaction);
        connection.Execute(AddToQuartersSql, row, transaction);
    }

    public const long DayMs = 86_400_000;
    public const long QuarterHourMs = 900_000;

    public const string InsertUsageSql =
        """
        INSERT INTO llm_usage (id, tenant_id, user_id, model, input_tokens, output_tokens, total_tokens, period, at, correlation_id, reservation_id)
        VALUES (@Id, @TenantId, @UserId, @Model, @InputTokens, @OutputTokens, @TotalTokens, @Period, @At, @CorrelationId, @ReservationId)
        """;

    public const string AddToDailySql =
        """
        INSERT INTO llm_usage_daily (tenant_id, day, user_id, model, requests, input_tokens, output_tokens, total_tokens)
        VALUES (@TenantId, @At / 86400000, @UserId, @Model, 1, @InputTokens, @OutputTokens, @TotalTokens)
        ON CONFLICT (tenant_id, day, user_id, model) DO UPDATE SET
            requests = requests + 1, input_tokens = input_tokens + excluded.input_tokens,
            output_tokens = output_tokens + excluded.output_tokens, total_tokens = total_tokens + excluded.total_tokens
        """;

    public const string AddToQuartersSql =
        """
        INSERT INTO llm_usage_quarters (tenant_id, quarter, requests, total_tokens) VALUES (@TenantId, @At / 900000, 1, @TotalTokens)
        ON CONFLICT (tenant_id, quarter) DO UPDATE SET requests = requests + 1, total_tokens = total_tokens + excluded.total_tokens
        """;

    public LlmUsageRow? UsageByCorrelation(SqliteConnection connection, SqliteTransaction? transaction, TenantScope scope, string correlationId) =>
        connection.QuerySingleOrDefault<LlmUsageRow>(
            "SELECT * FROM llm_usage WHERE tenant_id = @tenant AND correlation_id = @correlationId",
            new { tenant = scope.TenantId, correlationId }, transaction);

    /// <summary>Marks a threshold as notified for the user and period; true only the first time.</summary>
    public bool MarkAlert(SqliteConnection connection, SqliteTransaction transaction, TenantScope scope, string userId, string period, string threshold, long now) =>
        connection.Execute(
            """
            INSERT INTO llm_alerts (tenant_id, user_id, period, threshold, at) VALUES (@tenant, @userId, @period, @threshold, @now)
            ON CONFLICT DO NOTHING
            """,
            new { tenant = scope.TenantId, userId, period, threshold, now }, transaction) == 1;
}
