using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Argy.ControlPlane.Agents;

public sealed class AgentCredentialStore(Database database, AuditTrail audit, TimeProvider time)
{
    private const string IsValidNow = "revoked_at IS NULL AND (expires_at IS NULL OR expires_at > @now)";

    private long Now => UnixMs.From(time.GetUtcNow());

    /// <summary>Credentials of the agent that authenticate right now (at most two outside a rotation's race).</summary>
    public IReadOnlyList<AgentCredentialRow> Valid(TenantScope scope, string agentId)
    {
        using var connection = database.Open();
        return connection.Query<AgentCredentialRow>(
            $"SELECT * FROM agent_credentials WHERE tenant_id = @tenant AND agent_id = @agentId AND {IsValidNow} ORDER BY created_at DESC",
            new { tenant = scope.TenantId, agentId, now = Now }).AsList();
    }

    public AgentCredentialRow? FindValid(TenantScope scope, string agentId, string keyId)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<AgentCredentialRow>(
            $"SELECT * FROM agent_credentials WHERE id = @keyId AND tenant_id = @tenant AND agent_id = @agentId AND {IsValidNow}",
            new { keyId, tenant = scope.TenantId, agentId, now = Now });
    }

    /// <summary>Inserts within the caller's transaction, so a credential exists exactly when the change that issued it does.</summary>
    internal static void Insert(SqliteConnection connection, SqliteTransaction transaction, AgentCredentialRow row) =>
        connection.Execute(
            """
            INSERT INTO agent_credentials (id, tenant_id, agent_id, mode, secret_hash, sealed_secret, created_at)
            VALUES (@Id, @TenantId, @AgentId, @Mode, @SecretHash, @SealedSecret, @CreatedAt)
            """,
            row,
            transaction);

    /// <summary>
    /// Adds <paramref name="replacement"/> and makes every other valid credential of the agent expire at
    /// <paramref name="graceEnd"/> (or earlier, if it already was to). Returns the keys that now expire. Fails
    /// (null) when the agent was revoked in the meantime.
    /// </summary>
    public IReadOnlyList<string>? Rotate(TenantScope scope, AgentCredentialRow replacement, DateTimeOffset graceEnd, AuditEntry entry)
    {
        var now = Now;
        var until = UnixMs.From(graceEnd);
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        var updated = connection.Execute(
            "UPDATE agents SET auth_mode = @Mode WHERE id = @AgentId AND tenant_id = @tenant AND revoked_at IS NULL",
            new { replacement.Mode, replacement.AgentId, tenant = scope.TenantId },
            transaction);
        if (updated != 1)
        {
            return null;
        }

        var expiring = connection.Query<string>(
            $"SELECT id FROM agent_credentials WHERE tenant_id = @tenant AND agent_id = @agentId AND {IsValidNow}",
            new { tenant = scope.TenantId, agentId = replacement.AgentId, now },
            transaction).AsList();
        connection.Execute(
            $"""
            UPDATE agent_credentials SET expires_at = MIN(COALESCE(expires_at, @until), @until)
             WHERE tenant_id = @tenant AND agent_id = @agentId AND {IsValidNow}
            """,
            new { tenant = scope.TenantId, agentId = replacement.AgentId, now, until },
            transaction);
        Insert(connection, transaction, replacement);
        audit.Append(connection, transaction, scope, entry with
        {
            Detail = $"{entry.Detail} Previous credential(s) ({string.Join(", ", expiring)}) valid until {graceEnd:O}.",
        }, AuditActor.Agent(replacement.AgentId));
        transaction.Commit();
        return expiring;
    }

    internal static void RevokeAll(SqliteConnection connection, SqliteTransaction transaction, TenantScope scope, string agentId, long now) =>
        connection.Execute(
            "UPDATE agent_credentials SET revoked_at = @now WHERE tenant_id = @tenant AND agent_id = @agentId AND revoked_at IS NULL",
            new { tenant = scope.TenantId, agentId, now },
            transaction);
}
