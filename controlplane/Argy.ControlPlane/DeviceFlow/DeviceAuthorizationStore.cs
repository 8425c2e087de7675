using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Dapper;

namespace Argy.ControlPlane.DeviceFlow;

/// <summary>
/// Device authorizations. Requests have no tenant until approved, so lookups here are by device code or user
/// code rather than tenant-filtered; everything an approver can do afterwards is scoped to their tenant.
/// </summary>
public sealed class DeviceAuthorizationStore(Database database, AuditTrail audit, TimeProvider time)
{
    // Decided and expired requests are kept a day for the record, then dropped (their codes can then recur).
    private static readonly long RetentionMs = (long)TimeSpan.FromDays(1).TotalMilliseconds;

    private long Now => UnixMs.From(time.GetUtcNow());

    /// <summary>Inserts the request; false when its user code collides with a stored one (the caller draws another).</summary>
    public bool TryInsert(DeviceAuthorizationRow row, AuditEntry entry)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        connection.Execute("DELETE FROM device_authorizations WHERE expires_at < @cutoff", new { cutoff = Now - RetentionMs }, transaction);
        try
        {
            connection.Execute(
                """
                INSERT INTO device_authorizations
                    (id, device_code_hash, user_code, client_id, scope, source_ip, hostname, os, arch, version,
                     requested_name, requested_tags, status, interval_seconds, created_at, expires_at)
                VALUES (@Id, @DeviceCodeHash, @UserCode, @ClientId, @Scope, @SourceIp, @Hostname, @Os, @Arch, @Version,
                     @RequestedName, @RequestedTags, @Status, @IntervalSeconds, @CreatedAt, @ExpiresAt)
                """,
                row, transaction);
            audit.Append(connection, transaction, null, entry);
            transaction.Commit();
            return true;
        }
        catch (Microsoft.Data.Sqlite.SqliteException e) when (e.SqliteErrorCode == 19 /* SQLITE_CONSTRAINT */)
        {
            return false;
        }
    }

    public (int Total, int FromIp) CountPending(string sourceIp)
    {
        using var connection = database.Open();
        return connection.QuerySingle<(int, int)>(
            """
            SELECT COUNT(*), COALESCE(SUM(CASE WHEN source_ip = @sourceIp THEN 1 ELSE 0 END), 0)
              FROM device_authorizations WHERE status = 'Pending' AND expires_at > @now
            """,
            new { sourceIp, now = Now });
    }

    public DeviceAuthorizationRow? FindByDeviceCode(byte[] deviceCodeHash)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<DeviceAuthorizationRow>(
            "SELECT * FROM device_authorizations WHERE device_code_hash = @deviceCodeHash", new { deviceCodeHash });
    }

    /// <summary>A request still waiting for a decision, by its normalized user code.</summary>
    public DeviceAuthorizationRow? FindPending(string userCode)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<DeviceAuthorizationRow>(
            "SELECT * FROM device_authorizations WHERE user_code = @userCode AND status = 'Pending' AND expires_at > @now",
            new { userCode, now = Now });
    }

    public DeviceAuthorizationRow? FindById(string id)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<DeviceAuthorizationRow>("SELECT * FROM device_authorizations WHERE id = @id", new { id });
    }

    public IReadOnlyList<DeviceAuthorizationRow> ListPending()
    {
        using var connection = database.Open();
        return connection.Query<DeviceAuthorizationRow>(
            "SELECT * FROM device_authorizations WHERE status = 'Pending' AND expires_at > @now ORDER BY created_at",
            new { now = Now }).AsList();
    }

    /// <summary>
    /// Records a poll of a pending request. True when it came at least an interval after the previous one;
    /// otherwise the device's interval grows by 5 s (slow_down) and false is returned. Either way this poll
    /// becomes the one the next must wait from.
    /// </summary>
    public bool TryRecordPoll(string id)
    {
        var now = Now;
        using var connection = database.Open();
        if (connection.Execute(
                """
                UPDATE device_authorizations SET last_polled_at = @now
                 WHERE id = @id AND (last_polled_at IS NULL OR @now - last_polled_at >= interval_seconds * 1000)
                """,
                new { id, now }) == 1)
        {
            return true;
        }

        connection.Execute(
            "UPDATE device_authorizations SET interval_seconds = interval_seconds + 5, last_polled_at = @now WHERE id = @id",
            new { id, now });
        return false;
    }

    /// <summary>Approves or denies a pending, unexpired request for the approver's tenant; false if it no longer is.</summary>
    internal bool Decide(AuditedWrite write, string id, string status, TenantScope scope, string decidedBy, string? agentId, string? role, string? loginGrant = null)
    {
        var now = Now;
        return write.Connection.Execute(
            """
            UPDATE device_authorizations
               SET status = @status, tenant_id = @tenant, decided_by = @decidedBy, decided_at = @now, agent_id = @agentId, role = @role,
                   login_grant = @loginGrant
             WHERE id = @id AND status = 'Pending' AND expires_at > @now
            """,
            new { id, status, tenant = scope.TenantId, decidedBy, now, agentId, role, loginGrant }, write.Transaction) == 1;
    }

    /// <summary>Spends an approved request's device code. Succeeds once, so a device code yields one credential.</summary>
    public bool Consume(string id)
    {
        using var connection = database.Open();
        return connection.Execute(
            "UPDATE device_authorizations SET status = 'Consumed' WHERE id = @id AND status = 'Approved' AND expires_at > @now",
            new { id, now = Now }) == 1;
    }
}
