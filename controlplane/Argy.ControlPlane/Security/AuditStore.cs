using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Dapper;

namespace Argy.ControlPlane.Security;

public sealed class AuditEventRow
{
    public long Seq { get; init; }
    public string? TenantId { get; init; }
    public long At { get; init; }
    public string Action { get; init; } = "";
    public string Outcome { get; init; } = "";
    public string Actor { get; init; } = "";
    public string? Subject { get; init; }
    public string? SourceIp { get; init; }
    public string Detail { get; init; } = "";
}

/// <summary>The audit table: append-only; rows are never updated.</summary>
public sealed class AuditStore(Database database, AuditTrail trail)
{
    /// <summary>Appends queued refusals in one write transaction, each chained like every other record.</summary>
    public void Append(IReadOnlyList<AuditRecord> batch)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        foreach (var draft in batch)
        {
            trail.Insert(connection, transaction, draft);
        }

        transaction.Commit();
    }

    public IReadOnlyList<AuditEventRow> List(TenantScope scope, string? action, int limit)
    {
        using var connection = database.Open();
        return connection.Query<AuditEventRow>(
            """
            SELECT seq, tenant_id, at, action, outcome, actor, COALESCE(subject, resource_id) AS subject, source_ip, detail FROM audit_events
             WHERE tenant_id = @tenant AND (@action IS NULL OR action = @action)
             ORDER BY seq DESC LIMIT @limit
            """,
            new { tenant = scope.TenantId, action, limit }).AsList();
    }
}
