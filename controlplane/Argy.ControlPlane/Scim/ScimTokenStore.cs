using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Security;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Dapper;

namespace Argy.ControlPlane.Scim;

public sealed class ScimTokenRow
{
    public string Id { get; init; } = "";
    public string TenantId { get; init; } = "";
    public byte[] SecretHash { get; init; } = [];
    public long CreatedAt { get; init; }
    public string CreatedBy { get; init; } = "";
    public long? RevokedAt { get; init; }
    public long? LastUsedAt { get; init; }
}

/// <summary>The tenant's SCIM bearer token (<c>argy_scim_...</c>): one live token per tenant, stored hashed.</summary>
public sealed class ScimTokenStore(Database database, AuditTrail audit, TimeProvider time)
{
    public const string Kind = "scim";

    /// <summary>Issues a new token and revokes the previous one in the same transaction.</summary>
    public (ScimTokenRow Row, string Token) Rotate(TenantScope scope, string actor)
    {
        var idPart = Ids.RandomText(16);
        var issued = OpaqueToken.Issue(Kind, idPart);
        var now = UnixMs.From(time.GetUtcNow());
        var row = new ScimTokenRow { Id = "scm_" + idPart, TenantId = scope.TenantId, SecretHash = issued.SecretHash, CreatedAt = now, CreatedBy = actor };
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        connection.Execute("UPDATE scim_tokens SET revoked_at = @now WHERE tenant_id = @tenant AND revoked_at IS NULL", new { now, tenant = scope.TenantId }, transaction);
        connection.Execute(
            "INSERT INTO scim_tokens (id, tenant_id, secret_hash, created_at, created_by) VALUES (@Id, @TenantId, @SecretHash, @CreatedAt, @CreatedBy)", row, transaction);
        audit.Append(connection, transaction, scope, new AuditEntry(AuditActions.ScimTokenIssued, AuditResources.ScimToken, row.Id,
            Detail: "SCIM token issued; the previous one stops working.", Data: new Dictionary<string, string?> { ["section"] = "scim" }));
        transaction.Commit();
        return (row, issued.Token);
    }

    public bool Revoke(TenantScope scope)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        var revoked = connection.Query<string>(
            "UPDATE scim_tokens SET revoked_at = @now WHERE tenant_id = @tenant AND revoked_at IS NULL RETURNING id",
            new { now = UnixMs.From(time.GetUtcNow()), tenant = scope.TenantId }, transaction).AsList();
        if (revoked.Count > 0)
        {
            audit.Append(connection, transaction, scope, new AuditEntry(AuditActions.ScimTokenRevoked, AuditResources.ScimToken, revoked[0],
                Detail: "SCIM token revoked: provisioning stops.", Data: new Dictionary<string, string?> { ["section"] = "scim" }));
        }

        transaction.Commit();
        return revoked.Count > 0;
    }

    public ScimTokenRow? Current(TenantScope scope)
    {
        using var connection = database.Open();
        return connection.QueryFirstOrDefault<ScimTokenRow>(
            "SELECT * FROM scim_tokens WHERE tenant_id = @tenant AND revoked_at IS NULL ORDER BY created_at DESC LIMIT 1", new { tenant = scope.TenantId });
    }

    /// <summary>The live token's record, or null. Not tenant-filtered: the token establishes the tenant.</summary>
    public ScimTokenRow? Authenticate(string presented)
    {
        if (!OpaqueToken.TryParse(Kind, presented, out var parsed))
        {
            return null;
        }

        using var connection = database.Open();
        var row = connection.QuerySingleOrDefault<ScimTokenRow>("SELECT * FROM scim_tokens WHERE id = @id", new { id = "scm_" + parsed.Id });
        if (row is null || row.RevokedAt is not null || !OpaqueToken.Verify(parsed.Secret, row.SecretHash))
        {
            return null;
        }

        var now = UnixMs.From(time.GetUtcNow());
        if (row.LastUsedAt is null || now - row.LastUsedAt >= 60_000)
        {
            connection.Execute("UPDATE scim_tokens SET last_used_at = @now WHERE id = @id AND tenant_id = @tenant", new { now, id = row.Id, tenant = row.TenantId });
        }

        return row;
    }
}
