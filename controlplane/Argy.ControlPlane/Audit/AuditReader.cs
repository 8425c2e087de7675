using Argy.ControlPlane.Tenancy;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Argy.ControlPlane.Audit;

/// <summary>Reads a tenant's records: pages newest first for the API, or every match oldest first as a stream for exports.</summary>
public static class AuditReader
{
    /// <summary>One page, newest first, of records older than <paramref name="before"/> (a seq); one more than asked tells whether more follow.</summary>
    public static IReadOnlyList<AuditRecord> Page(SqliteConnection connection, TenantScope scope, AuditFilter filter, long? before, int limit)
    {
        var parameters = new DynamicParameters();
        parameters.Add("tenant", scope.TenantId);
        parameters.Add("limit", limit);
        var where = filter.Where(parameters);
        if (before is { } seq)
        {
            where += " AND seq < @before";
            parameters.Add("before", seq);
        }

        return connection.Query<AuditRecord>(
            $"SELECT * FROM audit_events WHERE tenant_id = @tenant{where} ORDER BY seq DESC LIMIT @limit", parameters).AsList();
    }

    /// <summary>
    /// Every matching record, oldest first, read row by row from SQLite as the caller enumerates (never materialised).
    /// Enumerate inside a read transaction of <paramref name="connection"/> for a consistent snapshot.
    /// </summary>
    public static IEnumerable<AuditRecord> Stream(SqliteConnection connection, SqliteTransaction? transaction, TenantScope scope, AuditFilter filter)
    {
        var parameters = new DynamicParameters();
        parameters.Add("tenant", scope.TenantId);
        var where = filter.Where(parameters);
        return connection.Query<AuditRecord>(
            $"SELECT * FROM audit_events WHERE tenant_id = @tenant{where} ORDER BY seq", parameters, transaction, buffered: false);
    }
}
